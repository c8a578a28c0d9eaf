public import AuditLogCore

/// Walks an organization's stored events in sequence order and reports every place where the
/// chain, its signed records, or what witnessed them outside the database do not hold
/// (`IntegrityProblem`), naming the first sequence each concerns.
///
/// It trusts neither the database nor its operator: the retention base must be the one the
/// latest signed cut states, the signed records must form one unbroken chain from the first,
/// every checkpoint kept elsewhere (an export manifest's, one an auditor trusts) must be in it,
/// and events must not stay unsigned for longer than the service signs. After a problem the
/// walk goes on from the stored hash, so each tampered event is reported where it is, not as a
/// cascade of every event after it.
public struct ChainVerifier {
    private let organizationID: String
    private let recordedLastSequence: Int64
    private let recordedHead: [UInt8]
    private let options: VerificationOptions
    /// Checkpoints of the head the walk has not reached yet, in sequence order.
    private var pendingCheckpoints: ArraySlice<Checkpoint>
    private let recordCount: Int
    /// The walk starts after it: the events up to it were purged.
    private let purgedThrough: Int64
    /// The statement hash of every signed record: a witness must be one of them.
    private let recordHashes: Set<[UInt8]>
    /// The highest sequence a checkpoint covers (0: none).
    private let coveredThrough: Int64
    private let latestCheckpoint: Checkpoint?
    private var previous: [UInt8]
    private var expected: Int64
    private var checked = 0
    private var manifestsChecked = 0
    private var reachedUnsigned = false
    private var problems: [IntegrityProblem] = []

    /// `lastSequence` and `head` as the organization's own row records them (nil head: no
    /// event yet), and `base` where it records its retained events to start (the last purged
    /// sequence and its hash); `records`, its signed checkpoints and retention cuts in the
    /// order they were signed.
    public init(
        organizationID: String,
        lastSequence: Int64,
        head: [UInt8]?,
        base: (sequence: Int64, hash: [UInt8]?),
        records: [Checkpoint],
        options: VerificationOptions
    ) {
        self.organizationID = organizationID
        self.recordedLastSequence = lastSequence
        self.recordedHead = head ?? EventChain.genesis
        self.options = options
        self.recordCount = records.count
        self.recordHashes = Set(records.map(\.hash))
        let checkpoints = records.filter { $0.retentionCut == nil }
        self.coveredThrough = checkpoints.map(\.sequence).max() ?? 0
        self.latestCheckpoint = checkpoints.last

        var problems: [IntegrityProblem] = []
        // Where the retained events start: where the latest signed cut says. Only a service
        // that never signed anything has no record to hold the base to, and then it is taken
        // as recorded.
        let start: (sequence: Int64, hash: [UInt8])
        if let cut = records.last(where: { $0.retentionCut != nil }) {
            start = (cut.sequence, cut.headHash)
            let at = "the retention cut at \(cut.sequence) (signed \(cut.signedAt.rfc3339))"
            if base.sequence != cut.sequence {
                problems.append(
                    IntegrityProblem(
                        .retention, sequence: min(base.sequence, cut.sequence),
                        "the retained events are recorded to start after \(base.sequence), but \(at) is the latest: the start was moved by hand"
                    ))
            } else if base.hash != cut.headHash {
                problems.append(
                    IntegrityProblem(
                        .retention, sequence: cut.sequence,
                        "the retained events start from a hash that \(at) did not sign: the start was rewritten"))
            }
            if let anchor = checkpoints.last(where: { $0.sequence == cut.sequence }), anchor.headHash != cut.headHash {
                problems.append(
                    IntegrityProblem(.retention, sequence: cut.sequence, "\(at) states another head than the checkpoint there"))
            }
        } else if !records.isEmpty || !options.keys.isEmpty {
            start = (0, EventChain.genesis)
            if base.sequence > 0 {
                problems.append(
                    IntegrityProblem(
                        .retention, sequence: base.sequence,
                        "the retained events are recorded to start after \(base.sequence), but no signed retention cut says so: the start was moved by hand, or the events were purged before purges were signed"
                    ))
            }
        } else {
            start = (base.sequence, base.sequence > 0 ? base.hash ?? [] : EventChain.genesis)
        }
        self.purgedThrough = start.sequence
        self.previous = start.hash
        self.expected = start.sequence + 1
        self.pendingCheckpoints = checkpoints.filter { $0.sequence > start.sequence }.sorted { $0.sequence < $1.sequence }[...]
        self.problems = problems
        checkChain(of: records)
        for trusted in options.trusted { checkWitness(trusted, named: "the trusted checkpoint") }
    }

    /// Each record signed by a given key over its statement, of this organization, and
    /// following the one before it, from the first; checkpoints never going back.
    private mutating func checkChain(of records: [Checkpoint]) {
        let keysByID = Dictionary(options.keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        if !records.isEmpty, options.keys.isEmpty {
            problems.append(
                IntegrityProblem(
                    .signature, sequence: records[0].sequence,
                    "\(records.count) signed records cannot be checked without the signing key's public key"))
        }
        var previousHash = Checkpoint.noPrevious
        var lastCheckpoint: Int64 = 0
        for record in records {
            let at =
                "\(record.retentionCut == nil ? "the checkpoint" : "the retention cut") at \(record.sequence) (signed \(record.signedAt.rfc3339))"
            if record.organizationID != organizationID {
                problems.append(IntegrityProblem(.checkpoint, sequence: record.sequence, "\(at) names another organization"))
            }
            if !options.keys.isEmpty {
                if let key = keysByID[record.keyID] {
                    if !record.isSigned(by: key) {
                        problems.append(
                            IntegrityProblem(.signature, sequence: record.sequence, "\(at) does not match its signature: it was edited or forged"))
                    }
                } else {
                    problems.append(
                        IntegrityProblem(
                            .signature, sequence: record.sequence, "\(at) is signed with key \(record.keyID), which is not a key given"))
                }
            }
            if record.previousHash != previousHash {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: record.sequence,
                        "\(at) does not follow the signed record before it: one was removed, replaced or reordered"))
            }
            if record.retentionCut == nil {
                if record.sequence < lastCheckpoint {
                    problems.append(
                        IntegrityProblem(.checkpoint, sequence: record.sequence, "\(at) goes back before the checkpoint at \(lastCheckpoint)"))
                }
                lastCheckpoint = record.sequence
            }
            previousHash = record.hash
        }
    }

    /// The walk reads the events after this sequence: those up to it were purged.
    public var startsAfter: Int64 { purgedThrough }

    /// A checkpoint kept outside the database: signed by a given key, and in the chain as it
    /// was signed.
    private mutating func checkWitness(_ checkpoint: Checkpoint, named name: String) {
        let at = "\(name) at \(checkpoint.sequence) (signed \(checkpoint.signedAt.rfc3339))"
        if !options.keys.isEmpty, !options.keys.contains(where: { checkpoint.isSigned(by: $0) }) {
            problems.append(IntegrityProblem(.witness, sequence: checkpoint.sequence, "\(at) is not signed by a key given"))
        } else if !recordHashes.contains(checkpoint.hash) {
            problems.append(
                IntegrityProblem(
                    .witness, sequence: checkpoint.sequence,
                    "\(at) is not in the chain: the chain was rewritten, or its checkpoints removed or replaced"))
        }
    }

    /// A stored export manifest: its signature over its statement, and its checkpoint in the
    /// chain. An unsigned manifest (a service without a key made it) vouches for nothing.
    public mutating func checkManifest(exportID: String, document: [UInt8]) {
        guard let signed = SignedDocument(document), signed.signature != nil else { return }
        manifestsChecked += 1
        let checkpoint = signed.json?["checkpoint"].flatMap(Checkpoint.init(json:))
        let at = checkpoint?.sequence ?? 0
        if !options.keys.isEmpty, !signed.isSigned(byOneOf: options.keys) {
            problems.append(
                IntegrityProblem(.witness, sequence: at, "the stored manifest of export \(exportID) does not match its signature: it was edited"))
        }
        guard let checkpoint else {
            problems.append(IntegrityProblem(.witness, sequence: at, "the stored manifest of export \(exportID) has no readable checkpoint"))
            return
        }
        checkWitness(checkpoint, named: "the checkpoint of export \(exportID)'s manifest")
    }

    /// The next stored event, in ascending sequence order.
    public mutating func check(sequence: Int64, values: [SQLValue?], storedHash: [UInt8]?) {
        checked += 1
        var afterGap = false
        if sequence < expected {
            problems.append(IntegrityProblem(.inserted, sequence: sequence, "event \(sequence) is out of the sequence's order"))
            return
        }
        if sequence > expected {
            let range = sequence - 1 == expected ? "\(expected) is" : "\(expected)–\(sequence - 1) are"
            problems.append(IntegrityProblem(.missing, sequence: expected, "events \(range) missing: deleted"))
            afterGap = true
        }
        if sequence > recordedLastSequence {
            problems.append(
                IntegrityProblem(
                    .inserted, sequence: sequence,
                    "event \(sequence) is after the organization's last sequence (\(recordedLastSequence)): inserted"))
        }
        if sequence > coveredThrough, !reachedUnsigned {
            reachedUnsigned = true
            checkAge(ofFirstUnsigned: sequence, values: values)
        }
        let computed = ChainContent(values: values).hash(after: previous, sequence: sequence)
        if storedHash == nil {
            problems.append(IntegrityProblem(.changed, sequence: sequence, "event \(sequence) has no hash"))
        } else if !afterGap, storedHash != computed {
            problems.append(
                IntegrityProblem(
                    .changed, sequence: sequence, "event \(sequence) does not match its hash: a field, or the hash, was changed"))
        }
        // A checkpoint is held to the hash recomputed from the events, not to the stored one.
        while let checkpoint = pendingCheckpoints.first, checkpoint.sequence <= sequence {
            pendingCheckpoints.removeFirst()
            if checkpoint.sequence < sequence {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: checkpoint.sequence,
                        "the checkpoint at \(checkpoint.sequence) names an event that is not stored"))
            } else if checkpoint.headHash != computed {
                problems.append(
                    IntegrityProblem(
                        .checkpoint, sequence: sequence,
                        "the events up to \(sequence) do not hash to the head signed at \(checkpoint.signedAt.rfc3339): they were rewritten"
                    ))
            }
        }
        previous = storedHash ?? computed
        expected = sequence + 1
    }

    /// The first event no checkpoint covers must be younger than the service takes to sign
    /// it; otherwise the checkpoints after it were removed (or the service is not signing).
    private mutating func checkAge(ofFirstUnsigned sequence: Int64, values: [SQLValue?]) {
        guard !options.keys.isEmpty, let age = options.maximumUnsignedAge,
            case .integer(let received)? = values[EventRow.receivedAtColumn]
        else { return }
        let limit = options.now.milliseconds - age.wholeMilliseconds
        guard received < limit else { return }
        let covered = coveredThrough > 0 ? "the latest checkpoint covers up to \(coveredThrough)" : "no checkpoint covers any event"
        problems.append(
            IntegrityProblem(
                .unsigned, sequence: sequence,
                "event \(sequence) was stored at \(Timestamp(milliseconds: received).rfc3339), more than \(age.spelledOut) ago, and \(covered): checkpoints were removed, or the service has not signed since"
            ))
    }

    /// The report, once every stored event (and manifest) has been checked.
    public func finish() -> IntegrityReport {
        var problems = problems
        let last = expected - 1
        for checkpoint in pendingCheckpoints {
            problems.append(
                IntegrityProblem(
                    .checkpoint, sequence: checkpoint.sequence,
                    "the checkpoint at \(checkpoint.sequence) is beyond the last stored event (\(last)): events were removed"))
        }
        if last < recordedLastSequence {
            let range = recordedLastSequence == last + 1 ? "\(last + 1) is" : "\(last + 1)–\(recordedLastSequence) are"
            problems.append(
                IntegrityProblem(
                    .truncated, sequence: last + 1,
                    "the events end at \(last), but the organization's last sequence is \(recordedLastSequence): \(range) missing"))
        } else if problems.isEmpty, previous != recordedHead {
            problems.append(
                IntegrityProblem(
                    .head, sequence: recordedLastSequence, "the organization's recorded head is not the hash of its last event"))
        }
        // Stable: at one sequence, the problems stay in the order they were found.
        let ordered = problems.enumerated().sorted { ($0.element.sequence, $0.offset) < ($1.element.sequence, $1.offset) }.map(\.element)
        var report = IntegrityReport(
            organizationID: organizationID, eventsChecked: checked, lastSequence: recordedLastSequence,
            headHash: Hex.encoded(previous), checkpointsChecked: recordCount, problems: ordered, purgedThrough: purgedThrough)
        report.latestCheckpoint = latestCheckpoint
        report.manifestsChecked = manifestsChecked
        report.trustedChecked = options.trusted.count
        return report
    }
}

extension Duration {
    /// "10 minutes", "90 seconds", "2 hours": for messages.
    var spelledOut: String {
        let seconds = components.seconds
        if seconds % 3_600 == 0, seconds >= 3_600 { return "\(seconds / 3_600) hour\(seconds == 3_600 ? "" : "s")" }
        if seconds % 60 == 0, seconds >= 60 { return "\(seconds / 60) minute\(seconds == 60 ? "" : "s")" }
        return "\(seconds) second\(seconds == 1 ? "" : "s")"
    }
}

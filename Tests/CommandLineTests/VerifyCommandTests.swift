import Foundation
import GRDB
import Testing

@Suite struct VerifyCommandTests {
    @Test func verifyPassesAnIntactLogAndNamesTheFirstBrokenSequenceOtherwise() throws {
        let database = try Command.temporaryDatabase()
        _ = try Command.run(["demo", "--database", database])

        let intact = try Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.hasPrefix("Intact: "))

        // Someone with the database file edits one event's Details.
        let queue = try DatabaseQueue(path: database)
        try queue.write { db in
            try db.execute(sql: "UPDATE events SET details = coalesce(details, '') || ' (edited)' WHERE organization_id = 'acme' AND sequence = 42")
        }
        let broken = try Command.run(["verify", "--database", database, "--org", "acme"])
        #expect(broken.status == 1)
        #expect(broken.stdout.hasPrefix("BROKEN at sequence 42: event 42 does not match its hash"), "\(broken.stdout)")

        // Other organizations are not affected; an unknown one is a clear error.
        #expect(try Command.run(["verify", "--database", database, "--org", "globex"]).status == 0)
        let unknown = try Command.run(["verify", "--database", database, "--org", "nobody"])
        #expect(unknown.status != 0 && unknown.stderr.contains("There is no organization nobody."))
    }
}

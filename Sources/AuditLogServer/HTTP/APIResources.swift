import AuditLogCore

// The JSON the API answers with, beside the event's own (`EventResource`, in AuditLogCore,
// which JSON Lines exports and log streams write too).

/// `{"data": [...]}`, the envelope of every list.
struct ListResource<Item: JSONWritable>: JSONWritable {
    var data: [Item]

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("data")
            json.array(data)
        }
    }
}

public import AuditLogCore
import Foundation

/// A person of a demo organization.
public struct DemoPerson: Sendable, Hashable {
    public var name: String
    public var email: String
    public var role: Role
}

/// One demo organization: who is in it, its workspaces, and how busy it is.
public struct DemoOrganization: Sendable {
    public var organization: Organization
    public var people: [DemoPerson]
    public var workspaces: [WorkspaceReference]
    /// Non-human actors: API keys and the platform's own automation.
    public var machines: [Actor]
    public var domain: String
    /// People of other demo organizations who also belong here (by email), with their role
    /// here: so that the organization switcher has something to switch between.
    public var guests: [(email: String, role: Role)] = []
    /// Average events on a weekday.
    var eventsPerWeekday: Int
    var seed: UInt64
}

extension DemoData {
    /// The password of every demo member.
    public static let password = "demo-password"

    /// Acme Studios is the one to explore; Globex and Initech are there so that isolation
    /// between organizations can be seen.
    public static let organizations: [DemoOrganization] = [
        DemoOrganization(
            organization: Organization(id: "acme", name: "Acme Studios"),
            people: people(
                domain: "acme.test",
                names: [
                    "Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "José Núñez", "Zoë Ødegaard",
                    "Łukasz Kowalski", "Amara Okafor", "Hiroshi Tanaka", "Priya Raman", "Mateo García", "Chloé Dubois",
                    "Noah Williams", "Fatima Al-Sayed", "Liam O'Connor", "Sofia Rossi", "Ethan Chen", "Aisha Bello",
                    "Lucas Müller", "Mia Johansson", "Oliver Smith", "Yuki Sato", "Isabella Costa", "Arjun Mehta",
                    "Emma Brown", "Kwame Mensah", "Hannah Schmidt", "Diego Fernández", "Leila Haddad", "Ravi Shankar",
                    "Ingrid Larsen", "Tomás Silva", "Nadia Petrova", "Samuel Adeyemi", "Chen Wei", "Olivia Martin",
                    "Mohammed Rahman", "Elena Popescu", "Jakob Nielsen", "Camila Reyes",
                ], admins: 3),
            workspaces: [
                WorkspaceReference(id: "ws_marketing", name: "Marketing"),
                WorkspaceReference(id: "ws_product_design", name: "Product Design"),
                WorkspaceReference(id: "ws_video", name: "Video Production"),
                WorkspaceReference(id: "ws_brand", name: "Brand Studio"),
                WorkspaceReference(id: "ws_sales", name: "Sales Enablement"),
                WorkspaceReference(id: "ws_research", name: "Research Lab"),
                WorkspaceReference(id: "ws_social", name: "Social Media"),
                WorkspaceReference(id: "ws_agency", name: "Agency Partners"),
            ],
            machines: [
                Actor(id: "key_ci_pipeline", type: .apiKey, name: "CI pipeline key"),
                Actor(id: "key_dam_sync", type: .apiKey, name: "DAM sync integration"),
                Actor(id: "system", type: .system, name: "Platform automation"),
            ],
            domain: "acme.test", eventsPerWeekday: 340, seed: 0xAC3E),
        DemoOrganization(
            organization: Organization(id: "globex", name: "Globex Corporation"),
            people: people(
                domain: "globex.test",
                names: [
                    "Hank Scorpio", "Marge Bouvier", "Frank Grimes", "Lurleen Lumpkin", "Akira Kurosawa", "Bea Simmons",
                    "Cletus Spuckler", "Dewey Largo",
                ], admins: 1),
            workspaces: [
                WorkspaceReference(id: "ws_campaigns", name: "Campaigns"),
                WorkspaceReference(id: "ws_internal", name: "Internal Comms"),
                WorkspaceReference(id: "ws_marketing", name: "Marketing"),
            ],
            machines: [
                Actor(id: "key_export_bot", type: .apiKey, name: "Export bot"),
                Actor(id: "system", type: .system, name: "Platform automation"),
            ],
            domain: "globex.test", guests: [("ada.lovelace@acme.test", .admin)], eventsPerWeekday: 28, seed: 0x610B),
        DemoOrganization(
            organization: Organization(id: "initech", name: "Initech"),
            people: people(
                domain: "initech.test",
                names: [
                    "Peter Gibbons", "Joanna Park", "Michael Bolton", "Samir Nagheenanajar", "Milton Waddams",
                ], admins: 1),
            workspaces: [
                WorkspaceReference(id: "ws_reports", name: "TPS Reports"),
                WorkspaceReference(id: "ws_design", name: "Design"),
            ],
            machines: [Actor(id: "system", type: .system, name: "Platform automation")],
            domain: "initech.test", guests: [("ada.lovelace@acme.test", .member)], eventsPerWeekday: 12, seed: 0x1417),
    ]

    /// People with emails made from their names; the first `admins` are admins.
    static func people(domain: String, names: [String], admins: Int) -> [DemoPerson] {
        names.enumerated().map { index, name in
            let local = DirectorySearch.fold(name)
                .replacingOccurrences(of: "ł", with: "l").replacingOccurrences(of: "ø", with: "o")
                .replacingOccurrences(of: "'", with: "").replacingOccurrences(of: " ", with: ".")
            return DemoPerson(name: name, email: "\(local)@\(domain)", role: index < admins ? .admin : .member)
        }
    }
}

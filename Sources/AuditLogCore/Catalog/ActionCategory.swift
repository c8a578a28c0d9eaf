/// The five groups the product guide sorts actions into, in the guide's order.
public enum ActionCategory: String, CaseIterable, Sendable, Codable {
    case accountAndPermission = "account_and_permission"
    case asset
    case generation
    case billing
    case organization

    /// The heading the guide gives the group, shown above it in the Action dropdown.
    public var title: String {
        switch self {
        case .accountAndPermission: "Account and permission events"
        case .asset: "Asset events"
        case .generation: "Generation events"
        case .billing: "Billing events"
        case .organization: "Organization-level events"
        }
    }
}

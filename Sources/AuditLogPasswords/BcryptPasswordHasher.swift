public import AuditLogCore
import HummingbirdBcrypt
import NIOPosix

/// bcrypt, off the event loops: a hash takes a quarter of a second at the default cost.
public struct BcryptPasswordHasher: PasswordHashing {
    public let cost: UInt8
    /// 12: about a quarter of a second a hash; tests lower it to stay fast.
    public static let defaultCost: UInt8 = 12
    /// A hash of a random string nobody knows, checked when there is no real hash to check.
    private let decoyHash: String

    public init(cost: UInt8 = defaultCost) {
        self.cost = cost
        self.decoyHash = Bcrypt.hash(Secret.generate(.session), cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let candidate = hash ?? decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: candidate) }
        return matches && hash != nil
    }
}

import AuditLogCore
import Foundation
import Hummingbird

/// The page's files — stylesheets, scripts, icon — read once from the bundle and served from
/// memory by name. A fixed set, so no request path ever reaches the file system.
struct WebAssets: Sendable {
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        /// A content hash, so browsers revalidate cheaply.
        var etag: String
    }

    let assets: [String: Asset]

    /// The assets, read and hashed the first time they are asked for: the bundle's files do
    /// not change while the process runs.
    static func load() -> WebAssets { read }

    private static let read = readBundle()

    private static func readBundle() -> WebAssets {
        var assets: [String: Asset] = [:]
        let directory = Bundle.module.url(forResource: "public", withExtension: nil, subdirectory: "Resources")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory?.path ?? "")) ?? []
        for name in names {
            guard let directory, let type = contentTypes[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
            else { continue }
            assets[name] = Asset(
                bytes: ByteBuffer(bytes: data), contentType: type,
                etag: "\"\(Secret.hash(String(decoding: data, as: UTF8.self)).prefix(16))\"")
        }
        return WebAssets(assets: assets)
    }

    static let contentTypes = [
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
    ]
}

import AuditLogCore
import Foundation
import Hummingbird
import Mustache

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

    static func load() -> WebAssets {
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


/// The page templates (Mustache, HTML-escaping every value), read once from the bundle.
struct PageTemplates: Sendable {
    let library: MustacheLibrary

    static func load() -> PageTemplates {
        var templates: [String: MustacheTemplate] = [:]
        if let directory = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        {
            for name in names where name.hasSuffix(".mustache") {
                guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
                    let template = try? MustacheTemplate(string: text)
                else { continue }
                templates[String(name.dropLast(".mustache".count))] = template
            }
        }
        return PageTemplates(library: MustacheLibrary(templates: templates))
    }

    /// The HTML of `template` with `context`; a missing template is a packaging bug.
    func render(_ template: String, _ context: [String: Any]) throws -> String {
        guard let html = library.render(context, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "The page template \(template) is missing.")
        }
        return html
    }
}

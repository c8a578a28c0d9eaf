import Foundation
import Hummingbird
import Mustache

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

import Foundation
import Hummingbird
import Mustache

/// The page templates (Mustache), read once from the bundle.
///
/// Every value they interpolate is escaped over bytes (`HTMLEscaping`): each template is made
/// to start with the content-type pragma that selects it — a partial too, since Mustache
/// starts every partial over with its own escaper — and a template that writes a value
/// unescaped (`{{{…}}}`, `{{&…}}`) is refused at load.
struct PageTemplates: Sendable {
    let library: MustacheLibrary

    /// A template that cannot be used safely; a packaging bug, found at start-up.
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The templates, parsed the first time they are asked for: the bundle's files do not
    /// change while the process runs, and every application built (one per test, in tests)
    /// would parse them again.
    static func load() throws -> PageTemplates { try parsed.get() }

    private static let parsed = Result { try parse() }

    private static func parse() throws -> PageTemplates {
        MustacheContentTypes.register(HTMLEscaping.ContentType(), named: HTMLEscaping.contentTypeName)
        guard let directory = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources")
        else { throw LoadError(description: "The page templates are missing from the bundle.") }
        var templates: [String: MustacheTemplate] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            templates[String(name.dropLast(".mustache".count))] = try template(text, name: name)
        }
        return PageTemplates(library: MustacheLibrary(templates: templates))
    }

    /// `text` as a template whose every interpolation is escaped over bytes.
    static func template(_ text: String, name: String) throws -> MustacheTemplate {
        if text.contains("{{{") || text.contains("{{&") {
            throw LoadError(description: "The template \(name) writes a value unescaped; every value must be escaped.")
        }
        return try MustacheTemplate(string: "{{% CONTENT_TYPE: \(HTMLEscaping.contentTypeName)}}" + text)
    }

    /// The HTML of `template` with `context`; a missing template is a packaging bug.
    func render(_ template: String, _ context: [String: Any]) throws -> String {
        guard let html = library.render(context, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "The page template \(template) is missing.")
        }
        return html
    }
}

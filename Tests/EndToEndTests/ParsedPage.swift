import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An HTML page cdsh wrote, parsed strictly (it is well-formed XML): its elements in document order, each with its
/// attributes and the text inside it.
final class ParsedPage: NSObject, XMLParserDelegate {
    final class Element {
        let name: String
        let attributes: [String: String]
        var text = ""
        var children: [Element] = []

        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        /// This element and every one inside it, in document order.
        var all: [Element] { [self] + children.flatMap(\.all) }
    }

    private(set) var root: Element?
    private var open: [Element] = []
    private(set) var error: String?

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        if !parser.parse() {
            error = parser.parserError.map { "\($0) at line \(parser.lineNumber), column \(parser.columnNumber)" } ?? "unparsable"
        }
    }

    var elements: [Element] { root?.all ?? [] }

    /// The element with this id.
    func element(id: String) -> Element? { elements.first { $0.attributes["id"] == id } }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let element = Element(name: name, attributes: attributes)
        if let parent = open.last { parent.children.append(element) } else { root = element }
        open.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        for element in open { element.text += string }
    }
}

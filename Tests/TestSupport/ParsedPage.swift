import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An HTML page cdsh wrote, parsed strictly (it is well-formed XML): its elements in document order, each with its
/// attributes and the text inside it.
public final class ParsedPage: NSObject, XMLParserDelegate {
    public final class Element {
        public let name: String
        public let attributes: [String: String]
        public internal(set) var text = ""
        public internal(set) var children: [Element] = []

        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        /// This element and every one inside it, in document order.
        public var all: [Element] { [self] + children.flatMap(\.all) }
    }

    public private(set) var root: Element?
    private var open: [Element] = []
    public private(set) var error: String?

    public init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        if !parser.parse() {
            error = parser.parserError.map { "\($0) at line \(parser.lineNumber), column \(parser.columnNumber)" } ?? "unparsable"
        }
    }

    public var elements: [Element] { root?.all ?? [] }

    /// The element with this id.
    public func element(id: String) -> Element? { elements.first { $0.attributes["id"] == id } }

    public func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let element = Element(name: name, attributes: attributes)
        if let parent = open.last { parent.children.append(element) } else { root = element }
        open.append(element)
    }

    public func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        for element in open { element.text += string }
    }
}

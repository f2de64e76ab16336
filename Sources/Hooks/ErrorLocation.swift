/// "lua/notifications.lua:12: attempt to index a nil value" split into its parts, for log metadata.
struct ErrorLocation: Equatable {
    let file: String
    let line: Int
    let message: String

    /// Finds the first "<something>.lua:<digits>: " in a Lua error message.
    static func parse(_ text: String) -> ErrorLocation? {
        var searchStart = text.startIndex
        while let marker = text.range(of: ".lua:", range: searchStart..<text.endIndex) {
            let digitsStart = marker.upperBound
            let digitsEnd = text[digitsStart...].firstIndex(where: { !$0.isNumber }) ?? text.endIndex
            if digitsEnd > digitsStart, text[digitsEnd...].hasPrefix(": "), let line = Int(text[digitsStart..<digitsEnd]) {
                let fileStart = text[..<marker.lowerBound].lastIndex(where: { $0 == " " || $0 == "\t" || $0 == "\n" })
                    .map { text.index(after: $0) } ?? text.startIndex
                let file = String(text[fileStart..<marker.lowerBound]) + ".lua"
                let message = String(text[text.index(digitsEnd, offsetBy: 2)...])
                return ErrorLocation(file: file, line: line, message: message)
            }
            searchStart = marker.upperBound
        }
        return nil
    }
}

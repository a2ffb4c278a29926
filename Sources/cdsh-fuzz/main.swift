import Foundation
import PipelineConfig
import Shell

// Seeded random inputs for the command-line parser (tokenizer, command table, options, Tab completion) and the
// pipeline file loader. A crash ends the process (the caller reports the seed); an input taking over a second
// is counted and printed. Run by scripts/torture; `cdsh-fuzz commands|pipelines COUNT SEED`.

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[2]), let seed = UInt64(arguments[3]),
      ["commands", "pipelines"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: cdsh-fuzz commands|pipelines COUNT SEED\n".utf8))
    exit(2)
}
var random = SplitMix64(state: seed)
let mutator = Mutator()
var slow: [(Double, String)] = []
var slowest = 0.0
var rejected = 0
let completer = ShellCompleter()
let pipelineSeeds = PipelineSeeds.all
for _ in 0..<count {
    let started = DispatchTime.now().uptimeNanoseconds
    let input: String
    if arguments[1] == "commands" {
        input = mutator.commandLine(&random)
        var accepted = true
        do {
            for tokens in try Tokenizer.commands(in: input) where !tokens.isEmpty {
                let descriptor = try CommandTable.lookup(tokens[0].text, column: tokens[0].column)
                _ = try Invocation.parse(tokens, as: descriptor)
            }
        } catch let error as ShellError where !error.message.isEmpty {
            accepted = false
        } catch {
            accepted = false
            print("NO-DIAGNOSTIC \(input.debugDescription): \(error)")
        }
        if !accepted { rejected += 1 }
        _ = completer.complete(input)
    } else {
        input = mutator.pipeline(from: pipelineSeeds, &random)
        let result = PipelineLoader.load(text: input, file: "fuzz.yml")
        if result.plan == nil {
            rejected += 1
            if result.diagnostics.isEmpty {
                print("NO-DIAGNOSTIC \(input.debugDescription)")
            }
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    slowest = max(slowest, seconds)
    if seconds > 1 { slow.append((seconds, input)) }
}
for (seconds, input) in slow { print("SLOW \(String(format: "%.2f", seconds)) s: \(input.prefix(300).debugDescription)") }
print("{\"target\": \"\(arguments[1])\", \"inputs\": \(count), \"rejected\": \(rejected), \"slow\": \(slow.count), \"slowest_ms\": \(String(format: "%.3f", slowest * 1000)), \"seed\": \(seed)}")

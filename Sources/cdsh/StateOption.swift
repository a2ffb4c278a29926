import ArgumentParser

/// `--state`: the root command's and `cdsh engine`'s alike, so `cdsh engine --state URL --name NAME` (SPEC §5) reaches
/// the engine instead of stopping at the root command.
struct StateOption: ParsableArguments {
    @Option(help: "The state folder, or a team's store postgres://USER@HOST:PORT/DB (default: $CDSH_STATE, else .cdsh beside the pipeline file).",
            completion: .directory)
    var state: String?
}

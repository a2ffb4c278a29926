/// What `stats` and `report` need of the schema, the same statements in both stores' migrations (SQLite v14,
/// PostgreSQL v17): each version's committer time, recorded at submit (lead time starts there, and a machine whose
/// clone lacks the commit still knows it), and the indexes `deliveryFacts` reads a window of time through — without
/// them a window read every version of the history (plan JSON included) and every attempt, however short.
/// These statements are the body of migrations already applied to users' databases: never edit them; a change
/// goes into a new migration.
public enum DeliverySchema {
    public static let statements = [
        "ALTER TABLE version ADD COLUMN committed_at DOUBLE PRECISION",
        "CREATE INDEX version_submitted ON version (submitted_at)",
        "CREATE INDEX deploy_finished ON deploy (environment, finished_at)",
        "CREATE INDEX attempt_rollback ON attempt (environment, created_at) WHERE stage_index < 0",
    ]
}

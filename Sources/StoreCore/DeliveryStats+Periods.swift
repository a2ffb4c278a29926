extension DeliveryStats {
    /// The four measures in one part of the window: a change, its deploy and its lead time belong to the part its
    /// first deploy ended in; a time to restore to the part its failure began in.
    public struct Period: Sendable, Equatable {
        public var since: Double
        public var until: Double
        public var deploys: Int
        public var leadTime: Spread?
        public var changes: Int
        public var failures: Int
        public var timeToRestore: Spread?

        /// Failed changes over changes; nil without any.
        public var changeFailureRate: Double? { DeliveryStats.rate(failures, of: changes) }
    }

    /// The window cut into `count` equal parts, oldest first (for a sparkline or a chart over time).
    public func periods(_ count: Int) -> [Period] {
        let count = max(count, 1), width = max(until - since, 1) / Double(count)
        func part(_ time: Double) -> Int { min(count - 1, max(0, Int((time - since) / width))) }
        var deploys = [Int](repeating: 0, count: count), changes = deploys, failed = deploys
        var leads = [[Double]](repeating: [], count: count), restores = leads
        for time in deployTimes { deploys[part(time)] += 1 }
        for lead in leadTimes { leads[part(lead.live)].append(lead.seconds) }
        for time in changeTimes { changes[part(time)] += 1 }
        for failure in failures {
            failed[part(failure.changedAt)] += 1
            if let restore = failure.timeToRestore { restores[part(failure.failedAt)].append(restore) }
        }
        return (0..<count).map { index in
            Period(since: since + Double(index) * width, until: since + Double(index + 1) * width,
                   deploys: deploys[index], leadTime: Spread(leads[index]), changes: changes[index],
                   failures: failed[index], timeToRestore: Spread(restores[index]))
        }
    }
}

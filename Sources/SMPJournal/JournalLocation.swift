/// Where a run's journal goes when `--journal` is not given.
public enum JournalLocation {
    /// Beside the dots file: `DOTS.json` → `DOTS.journal`, any other name → name + `.journal`. The journal
    /// belongs with the plan it records, and a practitioner who moves or backs up the plan's folder takes its
    /// run along. For a plan read from standard input (`-`), under the XDG state directory:
    /// `$XDG_STATE_HOME/smpctl/<first 16 hex digits of the plan hash>.journal`, `$XDG_STATE_HOME` defaulting to
    /// `$HOME/.local/state`; nil when neither variable is set.
    public static func defaultPath(
        forDotsFile dotsPath: String, plan: PlanHash, environment: [String: String]
    ) -> String? {
        if dotsPath != "-" {
            let slash = dotsPath.lastIndex(of: "/")
            let name = slash.map { dotsPath[dotsPath.index(after: $0)...] } ?? dotsPath[...]
            if name.hasSuffix(".json") && name.count > ".json".count {
                return String(dotsPath.dropLast(".json".count)) + ".journal"
            }
            return dotsPath + ".journal"
        }
        let state: String
        if let configured = environment["XDG_STATE_HOME"], configured.hasPrefix("/") {
            state = configured
        } else if let home = environment["HOME"], !home.isEmpty {
            state = home + "/.local/state"
        } else {
            return nil
        }
        return state + "/smpctl/" + String(plan.description.prefix(16)) + ".journal"
    }
}

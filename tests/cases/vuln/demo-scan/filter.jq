{
  summary: .summary,
  findings: [.findings[] | {rule: .rule.id, severity, package: .location.package,
                            fixed: .evidence.fixed, ids: (.evidence.ids | sort),
                            advisories: (.evidence.advisories | sort)}]
            | sort_by(.package, .rule)
}

import Testing

@testable import PushDaemon

@Suite struct CommandBudgetTests {
    @Test func aBurstThenTheRate() {
        var budget = CommandBudget(perSecond: 20, burst: 40)
        let allowed = (0..<100).filter { _ in budget.take(now: 1_000) }.count
        #expect(allowed == 40)
        // Half a second later: ten more tokens.
        let later = (0..<100).filter { _ in budget.take(now: 1_000 + 500_000_000) }.count
        #expect(later == 10)
    }

    @Test func aQuietConnectionRefillsOnlyToTheBurst() {
        var budget = CommandBudget(perSecond: 20, burst: 40)
        let first = budget.take(now: 0)
        #expect(first)
        let allowed = (0..<100).filter { _ in budget.take(now: 3_600_000_000_000) }.count
        #expect(allowed == 40)
    }
}

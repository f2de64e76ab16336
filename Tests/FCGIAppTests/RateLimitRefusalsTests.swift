import MessagingCore
import Testing

@testable import FCGIApp

@Suite struct RateLimitRefusalsTests {
    let policy = RatePolicy(perSecond: 5, burst: 30)

    @Test func aRefusalIsRememberedUntilTheNextTokenIsDue() {
        var refusals = RateLimitRefusals()
        refusals.remember(userId: 7, action: .send, retryAfterMilliseconds: 200, policy: policy, now: 1_000_000_000)
        let during = refusals.refusal(userId: 7, action: .send, now: 1_050_000_000)
        #expect(during?.retryAfterMilliseconds == 150)
        #expect(during?.policy == policy)
        // Another user, another kind of request: not refused here.
        #expect(refusals.refusal(userId: 8, action: .send, now: 1_050_000_000) == nil)
        #expect(refusals.refusal(userId: 7, action: .react, now: 1_050_000_000) == nil)
        // When the token is due, PostgreSQL decides again (and the entry is gone).
        #expect(refusals.refusal(userId: 7, action: .send, now: 1_200_000_000) == nil)
        #expect(refusals.count == 0)
    }

    /// An hour's wait is answered with the hour, but remembered for a second only: a limit
    /// changed meanwhile applies within that second.
    @Test func longWaitsAreRememberedForASecond() {
        var refusals = RateLimitRefusals()
        refusals.remember(userId: 7, action: .send, retryAfterMilliseconds: 3_600_000, policy: policy, now: 0)
        #expect(refusals.refusal(userId: 7, action: .send, now: 500_000_000)?.retryAfterMilliseconds == 3_599_500)
        #expect(refusals.refusal(userId: 7, action: .send, now: 1_000_000_000) == nil)
    }

    @Test func nothingIsRememberedWithoutAWait() {
        var refusals = RateLimitRefusals()
        refusals.remember(userId: 7, action: .send, retryAfterMilliseconds: 0, policy: policy, now: 5)
        #expect(refusals.refusal(userId: 7, action: .send, now: 5) == nil)
    }

    @Test func aFullMemoDropsWhatIsOverFirst() {
        var refusals = RateLimitRefusals()
        for user in 0..<Int64(RateLimitRefusals.capacity) {
            refusals.remember(userId: user, action: .send, retryAfterMilliseconds: user < 10 ? 1_000 : 1, policy: policy, now: 0)
        }
        #expect(refusals.count == RateLimitRefusals.capacity)
        // At 2 ms only the first ten (one second each) still wait: the rest are dropped to make room.
        refusals.remember(userId: -1, action: .send, retryAfterMilliseconds: 1_000, policy: policy, now: 2_000_000)
        #expect(refusals.count == 11)
        #expect(refusals.refusal(userId: 3, action: .send, now: 2_000_000) != nil)
    }
}

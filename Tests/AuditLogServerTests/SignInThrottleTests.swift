import AuditLogCore
@testable import AuditLogServer
import Testing

@Suite struct SignInThrottleTests {
    let start = Timestamp(milliseconds: 1_795_000_000_000)

    func at(seconds: Int64) -> Timestamp { start.adding(milliseconds: seconds * 1000) }

    @Test func tenAttemptsFromOneAddressStopThatAddressOnly() async {
        let throttle = SignInThrottle()
        for second in 0..<10 {
            #expect(await throttle.begin(email: "ada@acme.test", address: "203.0.113.9", now: at(seconds: Int64(second))) == nil)
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "203.0.113.9", now: at(seconds: 10)) == 890)
        // The owner, elsewhere, still signs in; so does another email from the guessing address.
        #expect(await throttle.begin(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 11)) == nil)
        #expect(await throttle.begin(email: "bob@acme.test", address: "203.0.113.9", now: at(seconds: 12)) == nil)
        // The window slides: the first attempt falls out of it after 15 minutes.
        #expect(await throttle.begin(email: "ada@acme.test", address: "203.0.113.9", now: at(seconds: 900)) == nil)
        #expect(await throttle.begin(email: "ada@acme.test", address: "203.0.113.9", now: at(seconds: 900)) == 1)
    }

    @Test func guessingSpreadOverManyAddressesIsCappedPerEmail() async {
        let throttle = SignInThrottle(attemptsPerAddress: 10, attemptsPerEmail: 25)
        for index in 0..<25 {
            #expect(await throttle.begin(email: "ada@acme.test", address: "192.0.2.\(index)", now: at(seconds: 60)) == nil)
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "192.0.2.200", now: at(seconds: 61)) == 899)
        #expect(await throttle.begin(email: "bob@acme.test", address: "192.0.2.200", now: at(seconds: 61)) == nil)
    }

    @Test func aRefusedAttemptIsNotCountedAndSuccessClearsTheAddress() async {
        let throttle = SignInThrottle(attemptsPerAddress: 3, attemptsPerEmail: 100)
        for _ in 0..<3 { _ = await throttle.begin(email: "ada@acme.test", address: nil, now: start) }
        for _ in 0..<50 { #expect(await throttle.begin(email: "ada@acme.test", address: nil, now: start) != nil) }
        // After the window, the refused attempts have not extended it.
        #expect(await throttle.begin(email: "ada@acme.test", address: nil, now: at(seconds: 900)) == nil)
        await throttle.succeeded(email: "ada@acme.test", address: nil)
        for _ in 0..<3 { #expect(await throttle.begin(email: "ada@acme.test", address: nil, now: at(seconds: 901)) == nil) }
    }

    @Test func itRemembersABoundedNumberOfKeysWithoutForgettingTheNewest() async {
        let throttle = SignInThrottle(attemptsPerAddress: 2, attemptsPerEmail: 100, maximumTrackedKeys: 100)
        for _ in 0..<2 { _ = await throttle.begin(email: "target@acme.test", address: "203.0.113.9", now: at(seconds: 500)) }
        // A flood of other emails, older than the target's attempts, pushes out the oldest.
        for index in 0..<300 {
            _ = await throttle.begin(email: "spray\(index)@acme.test", address: "203.0.113.9", now: at(seconds: 100))
        }
        #expect(await throttle.begin(email: "target@acme.test", address: "203.0.113.9", now: at(seconds: 501)) != nil)
    }
}

import AuditLogCore
import Testing

@testable import AuditLogServer

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
        let throttle = SignInThrottle(attemptsPerEmailAndAddress: 10, attemptsPerEmail: 25)
        for index in 0..<25 {
            #expect(await throttle.begin(email: "ada@acme.test", address: "192.0.2.\(index)", now: at(seconds: 60)) == nil)
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "192.0.2.200", now: at(seconds: 61)) == 899)
        #expect(await throttle.begin(email: "bob@acme.test", address: "192.0.2.200", now: at(seconds: 61)) == nil)
    }

    @Test func aRefusedAttemptIsNotCountedAndSuccessClearsTheAddress() async {
        let throttle = SignInThrottle(attemptsPerEmailAndAddress: 3, attemptsPerEmail: 100)
        for _ in 0..<3 { _ = await throttle.begin(email: "ada@acme.test", address: nil, now: start) }
        for _ in 0..<50 { #expect(await throttle.begin(email: "ada@acme.test", address: nil, now: start) != nil) }
        // After the window, the refused attempts have not extended it.
        #expect(await throttle.begin(email: "ada@acme.test", address: nil, now: at(seconds: 900)) == nil)
        await throttle.succeeded(email: "ada@acme.test", address: nil, now: at(seconds: 900))
        for _ in 0..<3 { #expect(await throttle.begin(email: "ada@acme.test", address: nil, now: at(seconds: 901)) == nil) }
    }

    @Test func itRemembersABoundedNumberOfKeysWithoutForgettingTheNewest() async {
        let throttle = SignInThrottle(
            attemptsPerEmailAndAddress: 2, attemptsPerAddress: 1_000, attemptsPerEmail: 100, maximumTrackedKeys: 100)
        for _ in 0..<2 { _ = await throttle.begin(email: "target@acme.test", address: "203.0.113.9", now: at(seconds: 500)) }
        // A flood of other emails, older than the target's attempts, pushes out the oldest.
        for index in 0..<300 {
            _ = await throttle.begin(email: "spray\(index)@acme.test", address: "203.0.113.9", now: at(seconds: 100))
        }
        #expect(await throttle.begin(email: "target@acme.test", address: "203.0.113.9", now: at(seconds: 501)) != nil)
    }

    @Test func oneAddressTryingManyEmailsIsStoppedAndSuccessGivesAnAttemptBack() async {
        let throttle = SignInThrottle(attemptsPerAddress: 30)
        for index in 0..<30 {
            #expect(await throttle.begin(email: "spray\(index)@acme.test", address: "203.0.113.9", now: at(seconds: 1)) == nil)
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "203.0.113.9", now: at(seconds: 2)) == 899)
        // Other addresses are not affected.
        #expect(await throttle.begin(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 2)) == nil)
        // A colleague behind the same address who signs in gives the attempt back.
        await throttle.succeeded(email: "spray29@acme.test", address: "203.0.113.9", now: at(seconds: 3))
        #expect(await throttle.begin(email: "ada@acme.test", address: "203.0.113.9", now: at(seconds: 4)) == nil)
        #expect(await throttle.begin(email: "bob@acme.test", address: "203.0.113.9", now: at(seconds: 4)) != nil)
    }

    @Test func anAddressThatSignedInRecentlyIsNotLockedOutByAFloodFromElsewhere() async {
        let throttle = SignInThrottle(attemptsPerEmail: 100)
        #expect(await throttle.begin(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 0)) == nil)
        await throttle.succeeded(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 0))
        // Attackers spread over many addresses use up the per-email ceiling.
        for index in 0..<100 {
            _ = await throttle.begin(email: "ada@acme.test", address: "192.0.2.\(index)", now: at(seconds: 10))
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "192.0.2.250", now: at(seconds: 11)) != nil)
        // The owner, from where they signed in before, still may — even a week later, in a new flood.
        #expect(await throttle.begin(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 12)) == nil)
        for index in 0..<100 {
            _ = await throttle.begin(email: "ada@acme.test", address: "192.0.2.\(index)", now: at(seconds: 7 * 86_400))
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 7 * 86_400 + 1)) == nil)
        // The trust lasts 30 days from the last success.
        for index in 0..<100 {
            _ = await throttle.begin(email: "ada@acme.test", address: "192.0.2.\(index)", now: at(seconds: 31 * 86_400))
        }
        #expect(await throttle.begin(email: "ada@acme.test", address: "198.51.100.4", now: at(seconds: 31 * 86_400 + 1)) != nil)
    }

    @Test func anAddressSprayingMadeUpEmailsDoesNotLockOutWhoSignedInFromIt() async {
        // Behind a load balancer every user has the balancer's address.
        let throttle = SignInThrottle(attemptsPerEmailAndAddress: 10, attemptsPerAddress: 30)
        #expect(await throttle.begin(email: "ada@acme.test", address: "10.0.0.1", now: at(seconds: 0)) == nil)
        await throttle.succeeded(email: "ada@acme.test", address: "10.0.0.1", now: at(seconds: 0))
        for index in 0..<30 {
            #expect(await throttle.begin(email: "made-up\(index)@acme.test", address: "10.0.0.1", now: at(seconds: 5)) == nil)
        }
        // The address's budget is spent: someone new behind it waits…
        #expect(await throttle.begin(email: "bob@acme.test", address: "10.0.0.1", now: at(seconds: 6)) == 899)
        // …but the admin who signed in from it before does not.
        #expect(await throttle.begin(email: "ada@acme.test", address: "10.0.0.1", now: at(seconds: 6)) == nil)
        // Trusted, the pair is still held to its own ten attempts (one made above, its count
        // cleared by the success; this is the second).
        for _ in 0..<9 { #expect(await throttle.begin(email: "ada@acme.test", address: "10.0.0.1", now: at(seconds: 7)) == nil) }
        #expect(await throttle.begin(email: "ada@acme.test", address: "10.0.0.1", now: at(seconds: 8)) == 898)
    }

    @Test func emailsAreKeptApartByTheirBytes() async {
        let throttle = SignInThrottle(attemptsPerEmailAndAddress: 2)
        let composed = "jos\u{E9}@acme.test"
        let decomposed = "jose\u{301}@acme.test"
        #expect(composed == decomposed, "Swift compares them equal")
        for _ in 0..<2 { _ = await throttle.begin(email: composed, address: "203.0.113.9", now: start) }
        #expect(await throttle.begin(email: composed, address: "203.0.113.9", now: start) != nil)
        // The other spelling is another stored email, and another key.
        #expect(await throttle.begin(email: decomposed, address: "203.0.113.9", now: start) == nil)
    }
}

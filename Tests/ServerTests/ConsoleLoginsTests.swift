import Logging
import Net
import Testing
@testable import Server

/// Guessing the console's password: twenty tries a minute per address, then 429 until the minute
/// has passed.
@Suite struct ConsoleLoginsTests {
    @Test func enoughFailures_lockTheAddressOut_forTheRestOfItsMinute_andOnlyIt() {
        let clock = ManualClock()
        let logins = ConsoleLogins(clock: .manual(clock))
        for attempt in 1...ConsoleLogins.maxFailures {
            #expect(!logins.isLockedOut("203.0.113.7:5\(attempt)"), "attempt \(attempt) may try")
            logins.failed("203.0.113.7:5\(attempt)", log: Logger())
        }
        #expect(logins.isLockedOut("203.0.113.7:40000"), "the address, whatever its port")
        #expect(!logins.isLockedOut("198.51.100.2:40000"), "another address is not affected")
        clock.advance(ms: ConsoleLogins.windowMs - 1)
        #expect(logins.isLockedOut("203.0.113.7:40001"))
        clock.advance(ms: 1)
        #expect(!logins.isLockedOut("203.0.113.7:40001"), "a new minute, new tries")
    }

    @Test func theAddress_ofIPv4AndIPv6Peers() {
        #expect(ConsoleLogins.address("203.0.113.7:5050") == "203.0.113.7")
        #expect(ConsoleLogins.address("[2001:db8::1]:5050") == "[2001:db8::1]")
    }
}

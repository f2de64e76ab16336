import Foundation
// Placeholder until the push issue lands: stays up so the stack can supervise it.
while true { sleep(3600) }

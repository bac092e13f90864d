package checkers

import "fmt"

// StreamRequests is what one stream's log holds, for CheckUniqueRequests:
// each entry's position and the id of the request that appended it.
type StreamRequests[ID comparable] struct {
	Stream  string
	Entries []LoggedRequest[ID]
}

// LoggedRequest is one log entry's position and request id; the zero id
// means the entry answers no request (a tick, an entry the log made).
type LoggedRequest[ID comparable] struct {
	Position uint64
	Request  ID
}

// CheckUniqueRequests checks that each request id appears at most once in
// each stream's log: a client that resends an append (a lost reply, a
// restarted log node) must be answered with the first append's position,
// never appended again. Replies make duplicates harmless to a processor,
// so no other check sees them. Findings name the stream, the request (as
// %v prints it) and both positions.
func CheckUniqueRequests[ID comparable](logs []StreamRequests[ID]) Result {
	var found findings
	var zero ID
	for _, log := range logs {
		first := map[ID]uint64{}
		for _, entry := range log.Entries {
			if entry.Request == zero {
				continue
			}
			if position, seen := first[entry.Request]; seen {
				found.add("duplicate-request", fmt.Sprintf("stream %s: request %v appended at positions %d and %d",
					log.Stream, entry.Request, position, entry.Position))
				continue
			}
			first[entry.Request] = entry.Position
		}
	}
	return found.result("unique-requests")
}

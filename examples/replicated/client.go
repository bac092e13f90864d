package replicated

import (
	"errors"
	"slices"
	"time"

	"github.com/proven2pc/proven/sim"
)

// Client is the library a client process uses to read and write keys:
// the ABD algorithm (Attiya, Bar-Noy and Dolev). Each operation runs
// phases; a phase sends a request to every replica and waits for a
// majority of replies, resending to the silent ones, so any two phases
// hear from at least one replica in common.
//
//   - Write: query a majority for the key's newest tag, then store the
//     value under a higher tag (counter + 1, this writer) at a majority.
//     The counter is also above every one this writer used before: a
//     write that did not finish may have stored its tag at a minority
//     that the next query does not reach, and two values under one tag
//     would make replicas disagree for good.
//   - Read: query a majority for the newest version, then store it back
//     at a majority before returning it, so no later read can return an
//     older one.
type Client struct {
	process  *sim.Process
	replicas []sim.Addr
	bug      Bug
	// lastRequest numbers this client's requests.
	lastRequest uint64
	// lastCounter is the highest tag counter this client wrote with.
	lastCounter uint64
}

// Phase timing: how long a phase waits for a majority, and how often it
// resends to the replicas that have not answered.
const (
	phaseTimeout   = 300 * time.Millisecond
	resendInterval = 50 * time.Millisecond
)

// ErrNoQuorum reports a phase that did not hear from a majority in time.
var ErrNoQuorum = errors.New("replicated: no majority of replicas answered")

// NewClient returns the client of a process.
func NewClient(process *sim.Process, replicas []sim.Addr, bug Bug) *Client {
	return &Client{process: process, replicas: replicas, bug: bug}
}

func (c *Client) majority() int { return len(c.replicas)/2 + 1 }

// Read returns key's value.
func (c *Client) Read(key string) (int64, error) {
	needed := c.majority()
	if c.bug == BugReadOne {
		needed = 1
	}
	latest, err := c.newest(key, needed)
	if err != nil {
		return 0, err
	}
	if c.bug != BugNoWriteBack {
		if err := c.store(key, latest); err != nil {
			return 0, err
		}
	}
	return latest.Value, nil
}

// Write sets key to value. An error means the outcome is unknown: the
// value may be stored at some replicas, and a later read may return it.
func (c *Client) Write(key string, value int64) error {
	latest, err := c.newest(key, c.majority())
	if err != nil {
		return err
	}
	counter := latest.Tag.Counter + 1
	if c.bug != BugReuseTag {
		counter = max(counter, c.lastCounter+1)
	}
	c.lastCounter = max(c.lastCounter, counter)
	tag := Tag{Counter: counter, Writer: c.process.Addr().Process}
	return c.store(key, Version{Tag: tag, Value: value})
}

// newest queries replicas for key until needed have answered and returns
// the newest version among their answers.
func (c *Client) newest(key string, needed int) (Version, error) {
	var latest Version
	err := c.phase(needed, func(request uint64) any { return MsgQuery{Request: request, Key: key} },
		func(reply any) bool {
			answer, ok := reply.(MsgQueryReply)
			if ok && latest.Tag.Less(answer.Version.Tag) {
				latest = answer.Version
			}
			return ok
		})
	return latest, err
}

// store stores version at a majority.
func (c *Client) store(key string, version Version) error {
	return c.phase(c.majority(), func(request uint64) any { return MsgStore{Request: request, Key: key, Version: version} },
		func(reply any) bool { _, ok := reply.(MsgStoreReply); return ok })
}

// phase sends a request to every replica and waits until needed
// different replicas answered it (accept says whether a message is an
// answer), resending to the silent ones, for at most phaseTimeout.
func (c *Client) phase(needed int, request func(id uint64) any, accept func(reply any) bool) error {
	c.lastRequest++
	id := c.lastRequest
	message := request(id)
	var answered []sim.NodeID
	deadline := c.process.Now() + int64(phaseTimeout)
	for len(answered) < needed {
		for _, replica := range c.replicas {
			if !slices.Contains(answered, replica.Node) {
				_ = c.process.Send(replica, message)
			}
		}
		resendAt := min(c.process.Now()+int64(resendInterval), deadline)
		for len(answered) < needed {
			wait := time.Duration(resendAt - c.process.Now())
			if wait < 0 {
				break
			}
			from, reply, ok := c.process.Receive(wait)
			if !ok {
				break
			}
			if requestOf(reply) == id && accept(reply) && !slices.Contains(answered, from.Node) {
				answered = append(answered, from.Node)
			}
		}
		if len(answered) < needed && c.process.Now() >= deadline {
			return ErrNoQuorum
		}
	}
	return nil
}

// requestOf is the request id a reply answers.
func requestOf(reply any) uint64 {
	switch m := reply.(type) {
	case MsgQueryReply:
		return m.Request
	case MsgStoreReply:
		return m.Request
	}
	return 0
}

package sim

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/proven2pc/proven/net"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type msgPing struct{ Number int }
type msgPong struct {
	Number int
	Server NodeID
}

func testCodec() *net.Registry {
	codec := net.NewRegistry()
	net.Register[msgPing](codec, "MsgPing")
	net.Register[msgPong](codec, "MsgPong")
	net.Register[msgBinaryPing](codec, "MsgBinaryPing")
	return codec
}

// echoServer answers every ping with a pong and counts what it received.
type echoServer struct {
	received []msgPing
	from     []Addr
}

func (s *echoServer) Start(ctx *NodeContext) {}

func (s *echoServer) Receive(ctx *NodeContext, from Addr, message any) {
	ping, ok := message.(msgPing)
	if !ok {
		return
	}
	s.received = append(s.received, ping)
	s.from = append(s.from, from)
	if err := ctx.Send(from, msgPong{Number: ping.Number, Server: ctx.ID()}); err != nil {
		ctx.Fail("send: %v", err)
	}
}

func (s *echoServer) Timer(ctx *NodeContext, tag uint64) {}

func newTestWorld(seed uint64) *World {
	return NewWorld(Config{Seed: seed, Codec: testCodec(), VirtualTimeMax: time.Minute})
}

func echoFactory() Node { return &echoServer{} }

// msgBinaryPing travels through the codec's binary fast path.
type msgBinaryPing struct{ Number uint64 }

func (m msgBinaryPing) AppendBinary(b []byte) ([]byte, error) {
	return binary.BigEndian.AppendUint64(b, m.Number), nil
}

func (m *msgBinaryPing) UnmarshalBinary(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("msgBinaryPing: %d bytes, want 8", len(b))
	}
	m.Number = binary.BigEndian.Uint64(b)
	return nil
}

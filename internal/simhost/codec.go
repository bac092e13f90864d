package simhost

import (
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/net"
)

// Codec returns a registry of every message type of engines/stream.go,
// each under its Go name ("MsgAppend", ...).
func Codec() *net.Registry {
	codec := net.NewRegistry()
	net.Register[engines.MsgAppend](codec, "MsgAppend")
	net.Register[engines.MsgAppendReply](codec, "MsgAppendReply")
	net.Register[engines.MsgSubscribe](codec, "MsgSubscribe")
	net.Register[engines.MsgEntries](codec, "MsgEntries")
	net.Register[engines.MsgReadLog](codec, "MsgReadLog")
	net.Register[engines.MsgReadLogReply](codec, "MsgReadLogReply")
	net.Register[engines.MsgOperationReply](codec, "MsgOperationReply")
	net.Register[engines.MsgVote](codec, "MsgVote")
	net.Register[engines.MsgOutcome](codec, "MsgOutcome")
	net.Register[engines.MsgSnapshotRead](codec, "MsgSnapshotRead")
	net.Register[engines.MsgSnapshotReadReply](codec, "MsgSnapshotReadReply")
	return codec
}

package cluster

import (
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/net"
)

// Codec returns a registry of every message type of engines/wire/messages.go,
// each under its Go name ("MsgAppend", ...).
func Codec() *net.Registry {
	codec := net.NewRegistry()
	net.Register[wire.MsgAppend](codec, "MsgAppend")
	net.Register[wire.MsgAppendReply](codec, "MsgAppendReply")
	net.Register[wire.MsgSubscribe](codec, "MsgSubscribe")
	net.Register[wire.MsgEntries](codec, "MsgEntries")
	net.Register[wire.MsgReadLog](codec, "MsgReadLog")
	net.Register[wire.MsgReadLogReply](codec, "MsgReadLogReply")
	net.Register[wire.MsgOperationReply](codec, "MsgOperationReply")
	net.Register[wire.MsgVote](codec, "MsgVote")
	net.Register[wire.MsgOutcome](codec, "MsgOutcome")
	net.Register[wire.MsgSnapshotRead](codec, "MsgSnapshotRead")
	net.Register[wire.MsgSnapshotReadReply](codec, "MsgSnapshotReadReply")
	return codec
}

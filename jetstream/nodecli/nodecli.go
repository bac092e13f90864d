// Package nodecli is the proven-node command: one Proven node of a
// deployment on NATS JetStream (package node), serving transactions to
// remote clients (package remote), until it is interrupted.
//
//	proven-node --nats nats://127.0.0.1:4222 --streams kv:users,resource:credits --node 1 --nodes 1,2,3 --replicas 3
//
// With --embedded-nats N it first starts N NATS servers with JetStream
// inside the process, clustered on loopback, storing under --data: a
// whole deployment in one binary, for trying Proven out.
//
// It prints one line when the node is ready ("proven-node: node 1
// ready, incarnation 7, nats ..."), logs to stderr, and exits 0 after
// SIGINT or SIGTERM (closing the node: its leases are released), 2 on bad
// flags, 1 on any other failure.
package nodecli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/jetstream/natscluster"
	"github.com/proven2pc/proven/jetstream/node"
)

// ErrUsage marks a bad command line (exit status 2).
var ErrUsage = errors.New("proven-node: usage")

// Run parses args (without the program name) and runs the node until ctx
// ends.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	config, embedded, data, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if embedded > 0 {
		cluster, err := natscluster.Start(natscluster.Config{Size: embedded, Dir: data})
		if err != nil {
			return err
		}
		defer cluster.Close()
		config.URL = cluster.URLs()
	}
	startContext, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n, err := node.Start(startContext, config)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Serve(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "proven-node: node %d ready, incarnation %d, nats %s\n", config.ID, n.Incarnation(), config.URL)
	<-ctx.Done()
	return nil
}

func parse(args []string, stderr io.Writer) (config node.Config, embedded int, data string, err error) {
	flags := flag.NewFlagSet("proven-node", flag.ContinueOnError)
	flags.SetOutput(stderr)
	url := flags.String("nats", "", "NATS server URLs, comma-separated (required unless --embedded-nats)")
	namespace := flags.String("namespace", "proven", "prefix of the deployment's streams, buckets and subjects")
	streams := flags.String("streams", "", "the deployment's streams as engine:name, comma-separated (kv, queue, resource, sql, stream)")
	id := flags.Uint("node", 0, "this node's id, one of --nodes")
	nodes := flags.String("nodes", "", "every node id of the deployment, comma-separated, in placement order")
	replicas := flags.Int("replicas", 1, "replicas of the streams and buckets created (3 on a three-server cluster)")
	leaseTTL := flags.Duration("lease-ttl", 3*time.Second, "how long a processor's lease outlives its last renewal")
	speculation := flags.Bool("speculation", false, "predict the operations of transactions begun with a category")
	prepareAhead := flags.Bool("prepare-ahead", false,
		"with --speculation, prepare a transaction whose every operation is predicted right behind the predictions")
	verbose := flags.Bool("verbose", false, "log at debug level")
	flags.IntVar(&embedded, "embedded-nats", 0, "start this many NATS servers in the process, clustered on loopback")
	flags.StringVar(&data, "data", "", "with --embedded-nats: the directory of the servers' stores")
	if err := flags.Parse(args); err != nil {
		return config, 0, "", fmt.Errorf("%w: %w", ErrUsage, err)
	}
	usage := func(format string, values ...any) error {
		return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, values...))
	}
	switch {
	case flags.NArg() > 0:
		return config, 0, "", usage("unexpected argument %q", flags.Arg(0))
	case *url == "" && embedded == 0:
		return config, 0, "", usage("--nats is required (or --embedded-nats)")
	case embedded > 0 && data == "":
		return config, 0, "", usage("--embedded-nats needs --data")
	}
	specs, err := parseStreams(*streams)
	if err != nil {
		return config, 0, "", usage("--streams: %v", err)
	}
	ids, err := parseIDs(*nodes)
	if err != nil {
		return config, 0, "", usage("--nodes: %v", err)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	config = node.Config{URL: *url, Namespace: *namespace, Streams: specs, ID: uint32(*id), Nodes: ids,
		Replicas: *replicas, LeaseTTL: *leaseTTL, Speculation: *speculation, PrepareAhead: *prepareAhead,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	return config, embedded, data, nil
}

// ParseStreams reads "kv:users,resource:credits" into stream specs.
func parseStreams(text string) ([]catalog.StreamSpec, error) {
	if text == "" {
		return nil, errors.New("no stream")
	}
	constructors := map[string]func(string) catalog.StreamSpec{catalog.KindKV: catalog.KV,
		catalog.KindQueue: catalog.Queue, catalog.KindResource: catalog.Resource, catalog.KindSQL: catalog.SQL,
		catalog.KindStream: catalog.StreamTable}
	var specs []catalog.StreamSpec
	for _, item := range strings.Split(text, ",") {
		engine, name, ok := strings.Cut(item, ":")
		constructor := constructors[engine]
		if !ok || name == "" || constructor == nil {
			return nil, fmt.Errorf("%q is not engine:name with engine kv, queue, resource, sql or stream", item)
		}
		specs = append(specs, constructor(name))
	}
	return specs, nil
}

func parseIDs(text string) ([]uint32, error) {
	if text == "" {
		return nil, errors.New("no node id")
	}
	var ids []uint32
	for _, item := range strings.Split(text, ",") {
		id, err := strconv.ParseUint(item, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%q is not a node id", item)
		}
		ids = append(ids, uint32(id))
	}
	return ids, nil
}

// Command proven-node runs one Proven node of a deployment on NATS
// JetStream; see package nodecli for its flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/proven2pc/proven/jetstream/nodecli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := nodecli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, nodecli.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

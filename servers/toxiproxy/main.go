// Command toxiproxy runs the Toxiproxy API server (github.com/Shopify/toxiproxy/v2) for registry4j's resilience
// tests: the harness (registry-test-servers' ToxiproxyServer) starts it on a free loopback port, creates proxies in
// front of the test servers through its HTTP API and adds toxics (latency, timeout, reset_peer, bandwidth) to them.
//
// Usage: toxiproxy -host 127.0.0.1 -port 18474 [-log-level info]
//
// Only the API server is run: no proxies from a configuration file, no Prometheus metrics endpoint.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address the API listens on")
	port := flag.String("port", "8474", "port the API listens on")
	level := flag.String("log-level", "info", "zerolog level: trace, debug, info, warn, error")
	flag.Parse()

	lvl, err := zerolog.ParseLevel(*level)
	if err != nil {
		fmt.Fprintf(os.Stderr, "toxiproxy: bad -log-level %q: %v\n", *level, err)
		os.Exit(2)
	}
	zerolog.TimestampFunc = func() time.Time { return time.Now().UTC() }
	logger := zerolog.New(os.Stdout).Level(lvl).With().Timestamp().Logger()

	// The harness stops the server with SIGTERM: exit at once and cleanly; the proxies live only in memory.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		os.Exit(0)
	}()

	// A registry of our own, so that nothing is registered globally; metrics stay off (no /metrics route).
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), logger)
	// Listen serves until the process ends, and exits through the logger if it cannot bind.
	server.Listen(*host, *port)
}

package main

import (
	"context"
	"net/url"
	"sync"

	"github.com/go-kratos/kratos/v2/registry"
	"github.com/go-kratos/kratos/v2/transport/grpc/resolver/discovery"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"
)

// resolvedAddress is one address Kratos' gRPC resolver hands to gRPC: Addr is what gRPC dials.
type resolvedAddress struct {
	Addr       string `json:"addr"`
	ServerName string `json:"serverName"`
}

// resolve runs Kratos' own gRPC resolver (transport/grpc/resolver/discovery, as set up by a Kratos
// client dialling "discovery:///<name>" with grpc.DialInsecure) over exactly these instances and
// returns the addresses it writes. Kratos writes nothing for a list without a usable grpc endpoint;
// that gives an empty list here.
func resolve(name string, instances []*registry.ServiceInstance) ([]resolvedAddress, error) {
	d := &oneShotDiscovery{instances: instances, drained: make(chan struct{})}
	cc := &capturingClientConn{}
	b := discovery.NewBuilder(d, discovery.WithInsecure(true), discovery.PrintDebugLog(false))
	target := resolver.Target{URL: url.URL{Scheme: b.Scheme(), Path: "/" + name}}
	r, err := b.Build(target, cc, resolver.BuildOptions{})
	if err != nil {
		return nil, err
	}
	// The resolver handles the snapshot and then asks for the next one: its state is then final.
	<-d.drained
	r.Close()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	res := make([]resolvedAddress, 0, len(cc.state.Addresses))
	for _, a := range cc.state.Addresses {
		res = append(res, resolvedAddress{Addr: a.Addr, ServerName: a.ServerName})
	}
	return res, nil
}

// oneShotDiscovery is a registry.Discovery whose watcher yields one snapshot and then blocks.
type oneShotDiscovery struct {
	instances []*registry.ServiceInstance
	drained   chan struct{}
}

func (d *oneShotDiscovery) GetService(context.Context, string) ([]*registry.ServiceInstance, error) {
	return d.instances, nil
}

func (d *oneShotDiscovery) Watch(ctx context.Context, _ string) (registry.Watcher, error) {
	ctx, cancel := context.WithCancel(ctx)
	return &oneShotWatcher{d: d, ctx: ctx, cancel: cancel}, nil
}

type oneShotWatcher struct {
	d      *oneShotDiscovery
	ctx    context.Context
	cancel context.CancelFunc
	calls  int
}

func (w *oneShotWatcher) Next() ([]*registry.ServiceInstance, error) {
	w.calls++
	if w.calls == 1 {
		return w.d.instances, nil
	}
	if w.calls == 2 {
		close(w.d.drained)
	}
	<-w.ctx.Done()
	return nil, w.ctx.Err()
}

func (w *oneShotWatcher) Stop() error {
	w.cancel()
	return nil
}

// capturingClientConn is the resolver.ClientConn side of gRPC: it keeps the last state written.
type capturingClientConn struct {
	resolver.ClientConn
	mu    sync.Mutex
	state resolver.State
}

func (c *capturingClientConn) UpdateState(s resolver.State) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = s
	return nil
}

func (c *capturingClientConn) ReportError(error) {}

func (c *capturingClientConn) NewAddress([]resolver.Address) {}

func (c *capturingClientConn) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{}
}

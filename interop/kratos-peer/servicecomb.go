package main

import (
	"context"
	"fmt"
	"sync"

	sc "github.com/go-chassis/sc-client"
	scregistry "github.com/go-kratos/kratos/contrib/registry/servicecomb/v2"
	"github.com/go-kratos/kratos/v2/registry"
)

// openServiceComb makes Kratos' ServiceComb registry on a go-chassis sc-client, as Kratos' docs do.
// Kratos keeps appId (CAS_APPLICATION_NAME, default "default"), environment and the current
// microservice id in package globals, so one Registry serves the whole process.
func openServiceComb(o *options, addrs []string) (*backend, error) {
	client, err := sc.NewClient(sc.Options{Endpoints: addrs})
	if err != nil {
		return nil, err
	}
	r := scregistry.NewRegistry(client)
	return &backend{
		newRegistrar: func() (registry.Registrar, error) { return r, nil },
		newDiscovery: func() (registry.Discovery, error) {
			return &serviceCombDiscovery{r: r, consumer: o.servicecombConsumer}, nil
		},
		// Not client.Close: sc-client deletes from its websocket map there without the lock its watch
		// goroutine writes under, and a watch still running at exit crashed the peer ("fatal error:
		// concurrent map writes" in Client.Close). The process is ending; its sockets close with it.
		close: func() {},
	}, nil
}

// serviceCombDiscovery is Kratos' Registry as a Discovery. Kratos' Watch uses the id of the
// microservice this process registered as the websocket's consumer (an empty id otherwise), so
// before its first Watch the peer registers itself as a Kratos service does at start.
type serviceCombDiscovery struct {
	r        *scregistry.Registry
	consumer string
	once     sync.Once
	err      error
}

func (d *serviceCombDiscovery) GetService(ctx context.Context, name string) ([]*registry.ServiceInstance, error) {
	return d.r.GetService(ctx, name)
}

func (d *serviceCombDiscovery) Watch(ctx context.Context, name string) (registry.Watcher, error) {
	d.once.Do(func() {
		if d.consumer == "" {
			return
		}
		d.err = d.r.Register(ctx, &registry.ServiceInstance{
			Name:      d.consumer,
			Version:   "1.0.0",
			Endpoints: []string{"http://127.0.0.1:1"},
		})
	})
	if d.err != nil {
		return nil, fmt.Errorf("register the watching process as %q: %w", d.consumer, d.err)
	}
	return d.r.Watch(ctx, name)
}

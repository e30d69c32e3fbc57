package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	consulregistry "github.com/go-kratos/kratos/contrib/registry/consul/v2"
	etcdregistry "github.com/go-kratos/kratos/contrib/registry/etcd/v2"
	eurekaregistry "github.com/go-kratos/kratos/contrib/registry/eureka/v2"
	nacosregistry "github.com/go-kratos/kratos/contrib/registry/nacos/v2"
	zkregistry "github.com/go-kratos/kratos/contrib/registry/zookeeper/v2"
	"github.com/go-kratos/kratos/v2/registry"
	"github.com/go-zookeeper/zk"
	consulapi "github.com/hashicorp/consul/api"
	"github.com/nacos-group/nacos-sdk-go/clients"
	"github.com/nacos-group/nacos-sdk-go/clients/naming_client"
	"github.com/nacos-group/nacos-sdk-go/common/constant"
	"github.com/nacos-group/nacos-sdk-go/vo"
	clientv3 "go.etcd.io/etcd/client/v3"
)

type options struct {
	backend string
	addr    string
	name    string
	timeout time.Duration
	settle  time.Duration

	// etcd
	etcdNamespace string
	etcdTTL       time.Duration
	// ZooKeeper
	zkRoot           string
	zkSessionTimeout time.Duration
	zkDigest         string
	// Eureka
	eurekaPath      string
	eurekaHeartbeat time.Duration
	eurekaRefresh   time.Duration
	// Nacos
	nacosNamespace   string
	nacosGroup       string
	nacosCluster     string
	nacosWeight      float64
	nacosKind        string
	nacosContextPath string
	nacosUsername    string
	nacosPassword    string
	nacosDir         string
	nacosEmptyUpdate bool
	// Consul
	consulHealthCheck         bool
	consulHeartbeat           bool
	consulHealthCheckInterval int
	consulDeregisterAfter     int
	consulDatacenter          string
	// Kubernetes (--addr is a kubeconfig file)
	k8sNamespace, k8sPod, k8sPodNamespace string
	// ServiceComb
	servicecombConsumer string
}

func parseOptions(command string, args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.backend, "backend", "", "etcd, zookeeper, eureka, nacos or consul")
	fs.StringVar(&o.addr, "addr", "", "server address(es), comma-separated")
	fs.StringVar(&o.name, "name", "", "service name (get, watch)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of a get")
	fs.DurationVar(&o.settle, "settle", 0, "get: wait this long between making the Discovery and calling GetService")

	fs.StringVar(&o.etcdNamespace, "etcd-namespace", "/microservices", "etcd.Namespace")
	fs.DurationVar(&o.etcdTTL, "etcd-ttl", 15*time.Second, "etcd.RegisterTTL")

	fs.StringVar(&o.zkRoot, "zk-root", "/microservices", "zookeeper.WithRootPath")
	fs.DurationVar(&o.zkSessionTimeout, "zk-session-timeout", 15*time.Second, "zk.Connect session timeout")
	fs.StringVar(&o.zkDigest, "zk-digest", "", "zookeeper.WithDigestACL as user:password")

	fs.StringVar(&o.eurekaPath, "eureka-path", "eureka/v2", "eureka.WithEurekaPath")
	fs.DurationVar(&o.eurekaHeartbeat, "eureka-heartbeat", 10*time.Second, "eureka.WithHeartbeat")
	fs.DurationVar(&o.eurekaRefresh, "eureka-refresh", 30*time.Second, "eureka.WithRefresh")

	fs.StringVar(&o.nacosNamespace, "nacos-namespace", "", "Nacos client NamespaceId")
	fs.StringVar(&o.nacosGroup, "nacos-group", constant.DEFAULT_GROUP, "nacos.WithGroup")
	fs.StringVar(&o.nacosCluster, "nacos-cluster", "DEFAULT", "nacos.WithCluster")
	fs.Float64Var(&o.nacosWeight, "nacos-weight", 100, "nacos.WithWeight")
	fs.StringVar(&o.nacosKind, "nacos-kind", "grpc", "nacos.WithDefaultKind")
	fs.StringVar(&o.nacosContextPath, "nacos-context-path", "/nacos", "Nacos server context path")
	fs.StringVar(&o.nacosUsername, "nacos-username", "", "Nacos client Username")
	fs.StringVar(&o.nacosPassword, "nacos-password", "", "Nacos client Password")
	fs.StringVar(&o.nacosDir, "nacos-dir", "", "directory for the Nacos client's cache and logs (default: a temp dir)")
	fs.BoolVar(&o.nacosEmptyUpdate, "nacos-update-cache-when-empty", false, "Nacos client UpdateCacheWhenEmpty")

	fs.BoolVar(&o.consulHealthCheck, "consul-health-check", true, "consul.WithHealthCheck")
	fs.BoolVar(&o.consulHeartbeat, "consul-heartbeat", true, "consul.WithHeartbeat")
	fs.IntVar(&o.consulHealthCheckInterval, "consul-health-check-interval", 10, "consul.WithHealthCheckInterval, seconds")
	fs.IntVar(&o.consulDeregisterAfter, "consul-deregister-after", 600, "consul.WithDeregisterCriticalServiceAfter, seconds")
	fs.StringVar(&o.consulDatacenter, "consul-datacenter", "", "Consul client Datacenter")
	fs.StringVar(&o.k8sNamespace, "k8s-namespace", "", "kubernetes.NewRegistry namespace (empty: all)")
	fs.StringVar(&o.k8sPod, "k8s-pod", "", "the pod this peer is (HOSTNAME, as Kratos reads it)")
	fs.StringVar(&o.k8sPodNamespace, "k8s-pod-namespace", "", "that pod's namespace (service-account file)")

	fs.StringVar(&o.servicecombConsumer, "servicecomb-consumer", "kratos-peer", "watch: the service the peer registers as before Watch")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.backend == "" {
		return nil, errors.New("--backend is required")
	}
	if o.addr == "" {
		return nil, errors.New("--addr is required")
	}
	if (command == "get" || command == "watch") && o.name == "" {
		return nil, errors.New("--name is required")
	}
	return o, nil
}

// backend holds one native client and makes Kratos registrars and discoveries on it.
type backend struct {
	newRegistrar func() (registry.Registrar, error)
	newDiscovery func() (registry.Discovery, error)
	close        func()
}

func openBackend(ctx context.Context, o *options) (*backend, error) {
	addrs := strings.Split(o.addr, ",")
	switch o.backend {
	case "etcd":
		return openEtcd(ctx, o, addrs)
	case "zookeeper":
		return openZooKeeper(o, addrs)
	case "eureka":
		return openEureka(ctx, o, addrs)
	case "nacos":
		return openNacos(o, addrs)
	case "consul":
		return openConsul(o)
	case "kubernetes":
		return openKubernetes(o)
	case "servicecomb":
		return openServiceComb(o, addrs)
	default:
		return nil, fmt.Errorf("unknown backend %q (want etcd, zookeeper, eureka, nacos, consul or servicecomb)", o.backend)
	}
}

func openEtcd(ctx context.Context, o *options, addrs []string) (*backend, error) {
	client, err := clientv3.New(clientv3.Config{Endpoints: addrs, DialTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	// One registry per instance: Kratos' etcd Registry keeps one lease and closes it on each Register.
	newRegistry := func() *etcdregistry.Registry {
		return etcdregistry.New(client, etcdregistry.Context(ctx),
			etcdregistry.Namespace(o.etcdNamespace), etcdregistry.RegisterTTL(o.etcdTTL))
	}
	return &backend{
		newRegistrar: func() (registry.Registrar, error) { return newRegistry(), nil },
		newDiscovery: func() (registry.Discovery, error) { return newRegistry(), nil },
		close:        func() { _ = client.Close() },
	}, nil
}

func openZooKeeper(o *options, addrs []string) (*backend, error) {
	conn, _, err := zk.Connect(addrs, o.zkSessionTimeout)
	if err != nil {
		return nil, err
	}
	var zopts []zkregistry.Option
	zopts = append(zopts, zkregistry.WithRootPath(o.zkRoot))
	if o.zkDigest != "" {
		user, password, ok := strings.Cut(o.zkDigest, ":")
		if !ok {
			conn.Close()
			return nil, fmt.Errorf("--zk-digest %q: want user:password", o.zkDigest)
		}
		if err := conn.AddAuth("digest", []byte(o.zkDigest)); err != nil {
			conn.Close()
			return nil, err
		}
		zopts = append(zopts, zkregistry.WithDigestACL(user, password))
	}
	newRegistry := func() *zkregistry.Registry { return zkregistry.New(conn, zopts...) }
	return &backend{
		newRegistrar: func() (registry.Registrar, error) { return newRegistry(), nil },
		newDiscovery: func() (registry.Discovery, error) { return newRegistry(), nil },
		close:        conn.Close,
	}, nil
}

func openEureka(ctx context.Context, o *options, addrs []string) (*backend, error) {
	ctx, cancel := context.WithCancel(ctx)
	newRegistry := func() (*eurekaregistry.Registry, error) {
		return eurekaregistry.New(addrs, eurekaregistry.WithContext(ctx),
			eurekaregistry.WithEurekaPath(o.eurekaPath),
			eurekaregistry.WithHeartbeat(o.eurekaHeartbeat),
			eurekaregistry.WithRefresh(o.eurekaRefresh))
	}
	return &backend{
		newRegistrar: func() (registry.Registrar, error) { return &eurekaRegistrar{newRegistry: newRegistry}, nil },
		newDiscovery: func() (registry.Discovery, error) {
			r, err := newRegistry()
			if err != nil {
				return nil, err
			}
			// Kratos' GetService answers from the cache its refresh loop fills from /apps; until the first
			// fill it reads /apps/<APP> into the wrong struct (the body is wrapped in "application") and
			// returns nothing. A running Kratos service has a filled cache: wait one refresh, as it would.
			select {
			case <-ctx.Done():
			case <-time.After(o.eurekaRefresh + 200*time.Millisecond):
			}
			return r, nil
		},
		close: cancel,
	}, nil
}

// eurekaRegistrar registers each instance through a new Kratos Eureka registry, as a restarted process
// would: Kratos' Register skips an instanceId its cache still lists as UP, so the same registry's
// Register right after its Deregister (the peer's update) would be lost. Deregister goes through the
// registry that registered, which stops that registry's heartbeats.
type eurekaRegistrar struct {
	newRegistry func() (*eurekaregistry.Registry, error)
	current     *eurekaregistry.Registry
}

func (e *eurekaRegistrar) Register(ctx context.Context, si *registry.ServiceInstance) error {
	r, err := e.newRegistry()
	if err != nil {
		return err
	}
	e.current = r
	return r.Register(ctx, si)
}

func (e *eurekaRegistrar) Deregister(ctx context.Context, si *registry.ServiceInstance) error {
	if e.current == nil {
		return nil
	}
	return e.current.Deregister(ctx, si)
}

func openNacos(o *options, addrs []string) (*backend, error) {
	var servers []constant.ServerConfig
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("--addr %q: %w", a, err)
		}
		p, err := strconv.ParseUint(port, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--addr %q: %w", a, err)
		}
		sc := constant.NewServerConfig(host, p)
		sc.ContextPath = o.nacosContextPath
		servers = append(servers, *sc)
	}
	dir := o.nacosDir
	removeDir := false
	if dir == "" {
		d, err := os.MkdirTemp("", "kratos-peer-nacos-")
		if err != nil {
			return nil, err
		}
		dir, removeDir = d, true
	}
	cc := constant.ClientConfig{
		NamespaceId:         o.nacosNamespace,
		TimeoutMs:           5000,
		NotLoadCacheAtStart: true,
		// false, the SDK's default, ignores a list that became empty: watchers never see the last instance leave.
		UpdateCacheWhenEmpty: o.nacosEmptyUpdate,
		LogDir:               filepath.Join(dir, "log"),
		CacheDir:             filepath.Join(dir, "cache"),
		LogLevel:             "warn",
		Username:             o.nacosUsername,
		Password:             o.nacosPassword,
	}
	client, err := clients.NewNamingClient(vo.NacosClientParam{ClientConfig: &cc, ServerConfigs: servers})
	if err != nil {
		return nil, err
	}
	newRegistry := func() *nacosregistry.Registry {
		return nacosregistry.New(client,
			nacosregistry.WithGroup(o.nacosGroup),
			nacosregistry.WithCluster(o.nacosCluster),
			nacosregistry.WithWeight(o.nacosWeight),
			nacosregistry.WithDefaultKind(o.nacosKind))
	}
	return &backend{
		newRegistrar: func() (registry.Registrar, error) { return newRegistry(), nil },
		newDiscovery: func() (registry.Discovery, error) { return newRegistry(), nil },
		close: func() {
			closeNacos(client)
			if removeDir {
				_ = os.RemoveAll(dir)
			}
		},
	}, nil
}

func closeNacos(client naming_client.INamingClient) {
	if c, ok := client.(interface{ CloseClient() }); ok {
		c.CloseClient()
	}
}

func openConsul(o *options) (*backend, error) {
	cfg := consulapi.DefaultConfig()
	cfg.Address = o.addr
	if o.consulDatacenter != "" {
		cfg.Datacenter = o.consulDatacenter
	}
	client, err := consulapi.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	// One Kratos Registry for everything: it keeps the heartbeats of its registrations by id.
	r := consulregistry.New(client,
		consulregistry.WithHealthCheck(o.consulHealthCheck),
		consulregistry.WithHeartbeat(o.consulHeartbeat),
		consulregistry.WithHealthCheckInterval(o.consulHealthCheckInterval),
		consulregistry.WithDeregisterCriticalServiceAfter(o.consulDeregisterAfter))
	return &backend{
		newRegistrar: func() (registry.Registrar, error) { return r, nil },
		newDiscovery: func() (registry.Discovery, error) { return r, nil },
		close:        func() {},
	}, nil
}

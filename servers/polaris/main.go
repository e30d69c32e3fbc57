// Command polaris-server is the Polaris registry server (github.com/polarismesh/polaris) built with only
// the parts registry4j's tests use: the discover and health-check gRPC servers, the HTTP admin API, the
// in-memory health checker and the embedded boltdb store (with deletions its instance cache sees: store.go).
// Upstream's main links every store and API server; this one keeps the build small. Started by
// registry-test-servers' PolarisServer with a configuration file it writes.
package main

import (
	_ "go.uber.org/automaxprocs"

	_ "github.com/polarismesh/polaris/apiserver/grpcserver/discover"
	_ "github.com/polarismesh/polaris/apiserver/httpserver"
	_ "github.com/polarismesh/polaris/auth/defaultauth"
	_ "github.com/polarismesh/polaris/cache"
	_ "github.com/polarismesh/polaris/cache/auth"
	_ "github.com/polarismesh/polaris/cache/client"
	_ "github.com/polarismesh/polaris/cache/config"
	_ "github.com/polarismesh/polaris/cache/namespace"
	_ "github.com/polarismesh/polaris/cache/service"
	_ "github.com/polarismesh/polaris/config/interceptor"
	_ "github.com/polarismesh/polaris/plugin/cmdb/memory"
	_ "github.com/polarismesh/polaris/plugin/crypto/aes"
	_ "github.com/polarismesh/polaris/plugin/discoverevent/local"
	_ "github.com/polarismesh/polaris/plugin/healthchecker/leader"
	_ "github.com/polarismesh/polaris/plugin/healthchecker/memory"
	_ "github.com/polarismesh/polaris/plugin/history/logger"
	_ "github.com/polarismesh/polaris/plugin/password"
	_ "github.com/polarismesh/polaris/plugin/ratelimit/token"
	_ "github.com/polarismesh/polaris/plugin/statis/logger"
	_ "github.com/polarismesh/polaris/plugin/whitelist"
	_ "github.com/polarismesh/polaris/service/interceptor"
	_ "github.com/polarismesh/polaris/store/boltdb"

	"github.com/polarismesh/polaris/cmd"
)

func main() {
	cmd.Execute()
}

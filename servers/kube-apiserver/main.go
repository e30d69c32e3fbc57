// Command kube-apiserver is the real Kubernetes API server, built from the k8s.io/kubernetes module at the version
// pinned in go.mod, for registry-kubernetes' tests (registry-test-servers' KubeApiServer runs it on its own etcd).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}

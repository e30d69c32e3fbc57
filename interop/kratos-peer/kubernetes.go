package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	kuberegistry "github.com/go-kratos/kratos/contrib/registry/kubernetes/v2"
	"github.com/go-kratos/kratos/v2/registry"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// inPodMarker is set in the environment of the peer once it runs as a pod would: Kratos' Kubernetes registry reads
// the pod's name from HOSTNAME and its namespace from the service-account file, once, when the package loads.
const inPodMarker = "REGISTRY4J_PEER_IN_POD"

// openKubernetes opens Kratos' Kubernetes registry on a client-go Clientset made from the kubeconfig named by
// --addr. With --k8s-pod, the peer first becomes that pod as Kratos sees it: it runs itself again in a private
// mount namespace (unshare, as root) where the service-account namespace file holds --k8s-pod-namespace, with
// HOSTNAME set to the pod's name.
func openKubernetes(o *options) (*backend, error) {
	if o.k8sPod != "" && os.Getenv(inPodMarker) == "" {
		return nil, becomePod(o)
	}
	config, err := clientcmd.BuildConfigFromFlags("", o.addr)
	if err != nil {
		return nil, err
	}
	clientSet, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	// One registry for the process: it is one pod, and its informer serves every watch.
	r := kuberegistry.NewRegistry(clientSet, o.k8sNamespace)
	r.Start()
	return &backend{
		newRegistrar: func() (registry.Registrar, error) {
			if kuberegistry.GetPodName() == "" || kuberegistry.GetNamespace() == "" {
				return nil, errors.New("kubernetes: not a pod: give --k8s-pod and --k8s-pod-namespace")
			}
			return r, nil
		},
		newDiscovery: func() (registry.Discovery, error) { return r, nil },
		close:        r.Close,
	}, nil
}

// becomePod replaces this process with itself run in a mount namespace that has the service-account namespace file
// of --k8s-pod-namespace, and HOSTNAME=--k8s-pod. It returns only if that fails.
func becomePod(o *options) error {
	if o.k8sPodNamespace == "" {
		return errors.New("--k8s-pod needs --k8s-pod-namespace")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return fmt.Errorf("--k8s-pod needs unshare(1) (util-linux) and root: %w", err)
	}
	script := `set -e
mount -t tmpfs registry4j-pod /run
mkdir -p /run/secrets/kubernetes.io/serviceaccount
printf '%s' "$REGISTRY4J_POD_NAMESPACE" > /run/secrets/kubernetes.io/serviceaccount/namespace
exec "$@"`
	args := append([]string{unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", self},
		os.Args[1:]...)
	env := append(os.Environ(),
		inPodMarker+"=1",
		"HOSTNAME="+o.k8sPod,
		"REGISTRY4J_POD_NAMESPACE="+o.k8sPodNamespace)
	return syscall.Exec(unshare, args, env)
}

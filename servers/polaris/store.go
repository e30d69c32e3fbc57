package main

import (
	"fmt"

	"github.com/polarismesh/polaris/store"
)

// StoreName is the store the tests configure (store.name in polaris-server.yaml): Polaris' embedded boltdb
// store, with instance deletions that the server's instance cache sees.
const StoreName = "registry4jBoltdbStore"

// deletionsSeenStore is Polaris 1.18.1's boltdb store with one defect mended. Its DeleteInstance and
// BatchDeleteInstances mark the record invalid and stamp the record's modify-time field, but not the mtime
// inside the instance's proto; the instance cache's incremental fetch (GetMoreInstances) selects records by
// that proto mtime, from five seconds before its last fetch. An instance whose record was last written more
// than about five seconds before its deletion is therefore never dropped from the cache: discovery keeps
// serving it and heartbeats for it keep succeeding, until the server restarts. (Polaris' MySQL store stamps
// mtime on delete, so a production cluster does not show this.) Here a deletion first rewrites the record
// through UpdateInstance, which stamps the proto's mtime, so the cache's next fetch sees the deletion.
type deletionsSeenStore struct {
	store.Store
}

func (s *deletionsSeenStore) Name() string {
	return StoreName
}

func (s *deletionsSeenStore) DeleteInstance(instanceID string) error {
	if err := s.stamp(instanceID); err != nil {
		return err
	}
	return s.Store.DeleteInstance(instanceID)
}

func (s *deletionsSeenStore) BatchDeleteInstances(ids []interface{}) error {
	for _, id := range ids {
		instanceID, ok := id.(string)
		if !ok {
			return fmt.Errorf("instance id %v is a %T, not a string", id, id)
		}
		if err := s.stamp(instanceID); err != nil {
			return err
		}
	}
	return s.Store.BatchDeleteInstances(ids)
}

// stamp rewrites a stored instance unchanged, which sets the mtime in its proto to now.
func (s *deletionsSeenStore) stamp(instanceID string) error {
	instance, err := s.Store.GetInstance(instanceID)
	if err != nil || instance == nil || instance.Proto == nil {
		return err
	}
	return s.Store.UpdateInstance(instance)
}

func init() {
	boltdb, ok := store.StoreSlots["boltdbStore"]
	if !ok {
		panic("polaris' boltdb store is not registered: import github.com/polarismesh/polaris/store/boltdb")
	}
	if err := store.RegisterStore(&deletionsSeenStore{Store: boltdb}); err != nil {
		panic(err)
	}
}

package node

// NodeCounts returns how many nodes answer (up) and how many do not (down): the local node
// is up when it runs (RegistryOptions.Local); a remote node is up once a poll or call has
// succeeded and none failed since, down after a failure (metrics).
func (r *Registry) NodeCounts() (up, down int) {
	if r.opts.Local != nil {
		up++
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.nodes {
		switch {
		case st.down:
			down++
		case st.bootID != "":
			up++
		}
	}
	return up, down
}

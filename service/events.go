package service

import (
	"sync"

	"github.com/wgtray/wgtray/service/api"
)

// broker fans state changes out to the event streams. A subscriber that
// falls more than its buffer behind is cut off (its channel closed), so a
// stuck client never slows the service; it reconnects and gets a fresh
// snapshot.
type broker struct {
	mu   sync.Mutex
	subs map[chan api.Event]struct{}
}

const subscriberBuffer = 256

func newBroker() *broker { return &broker{subs: make(map[chan api.Event]struct{})} }

func (b *broker) subscribe() chan api.Event {
	ch := make(chan api.Event, subscriberBuffer)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch
}

func (b *broker) unsubscribe(ch chan api.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		close(ch)
	}
}

func (b *broker) publish(e api.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// closeAll ends every stream (at shutdown).
func (b *broker) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}

package dev.sshuttle.it.faults;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One proxied connection: the accepted client socket, the upstream socket, and a {@link Pipe}
 * per direction. Decides once per toxic version whether the toxic applies to this link
 * (toxicity), and runs the timeout toxic's clock, which acts on the connection as a whole.
 */
final class Link {
    private final SocketChannel client;
    private final SocketChannel upstream;
    private final Supplier<List<ToxicSpec>> toxics;
    private final ScheduledExecutorService timers;
    private final Consumer<Link> onClosed;
    private final Map<Long, Boolean> rolls = new ConcurrentHashMap<>();
    private final Map<Long, ScheduledFuture<?>> scheduled = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Pipe> pipes = new ArrayList<>();
    private int pipesDone;

    Link(SocketChannel client, SocketChannel upstream, Supplier<List<ToxicSpec>> toxics,
         ScheduledExecutorService timers, Consumer<Link> onClosed) {
        this.client = client;
        this.upstream = upstream;
        this.toxics = toxics;
        this.timers = timers;
        this.onClosed = onClosed;
    }

    void start() {
        pipes.add(new Pipe(this, Direction.UPSTREAM, client, upstream));
        pipes.add(new Pipe(this, Direction.DOWNSTREAM, upstream, client));
        toxicsChanged();
        pipes.forEach(Pipe::start);
    }

    /** The toxics that apply to this link in one direction, in the order they were added. */
    List<ToxicSpec> active(Direction d) {
        List<ToxicSpec> out = new ArrayList<>();
        for (ToxicSpec t : toxics.get()) {
            if (t.stream() == d && applies(t)) out.add(t);
        }
        return out;
    }

    private boolean applies(ToxicSpec t) {
        return rolls.computeIfAbsent(t.version(), v -> ThreadLocalRandom.current().nextFloat() < t.toxicity()
                || t.toxicity() >= 1f);
    }

    /** Called whenever the proxy's toxics change: arm/disarm timers and wake held pipes. */
    synchronized void toxicsChanged() {
        List<ToxicSpec> now = toxics.get();
        scheduled.entrySet().removeIf(e -> {
            boolean gone = now.stream().noneMatch(t -> t.version() == e.getKey());
            if (gone) e.getValue().cancel(false);
            return gone;
        });
        for (ToxicSpec t : now) {
            if (!applies(t) || scheduled.containsKey(t.version())) continue;
            long ms = t.attr("timeout");
            // like Toxiproxy, a timeout's clock starts when it reaches the link, data or not
            if (t.type() == ToxicType.TIMEOUT && ms > 0) {
                scheduled.put(t.version(), timers.schedule(this::close, ms, TimeUnit.MILLISECONDS));
            }
        }
        notifyAll();
    }

    /** Blocks a pipe that toxics hold (timeout, bandwidth 0) until the toxics change or the link closes. */
    synchronized void awaitToxicChange() throws InterruptedException {
        if (!closed.get()) wait(100);
    }

    boolean isClosed() {
        return closed.get();
    }

    /** One direction finished (its EOF was passed on); the link ends when both have. */
    synchronized void pipeDone() {
        if (++pipesDone == 2) close();
    }

    /** Closes both sockets normally (FIN). */
    void close() {
        shutdown(false);
    }

    /** Closes both sockets with SO_LINGER 0, so both peers see a TCP reset. */
    void reset() {
        shutdown(true);
    }

    private void shutdown(boolean rst) {
        if (!closed.compareAndSet(false, true)) return;
        for (SocketChannel ch : List.of(client, upstream)) {
            try {
                if (rst && ch.isOpen()) ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        scheduled.values().forEach(f -> f.cancel(false));
        pipes.forEach(Pipe::stop);
        synchronized (this) {
            notifyAll();
        }
        onClosed.accept(this);
    }
}

package dev.sshuttle.it.target;

import dev.sshuttle.it.sys.SocketHome;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the target services in the current network namespace until killed: the docker-compose
 * target container uses this. Arguments: {@code [bind-address] [name=ipv4 ...]}.
 */
public final class TargetServicesMain {
    private TargetServicesMain() {}

    public static void main(String[] args) throws Exception {
        InetAddress bind = InetAddress.getByName(args.length > 0 ? args[0] : "0.0.0.0");
        Map<String, Inet4Address> records = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            if (kv.length != 2 || !(InetAddress.getByName(kv[1]) instanceof Inet4Address v4)) {
                System.err.println("target services: bad record '" + args[i] + "', want name=ipv4");
                System.exit(2);
                return;
            }
            records.put(kv[0].toLowerCase(java.util.Locale.ROOT), v4);
        }
        TargetServices services = TargetServices.start(SocketHome.current(), bind, records);
        System.out.println("target services up on " + bind.getHostAddress() + ": echo " + TargetServices.ECHO_PORT
                + ", sink " + TargetServices.SINK_PORT + ", source " + TargetServices.SOURCE_PORT
                + ", reset " + TargetServices.RESET_PORT + ", http " + TargetServices.HTTP_PORT + ", dns " + TargetServices.DNS_PORT + "/udp");
        Runtime.getRuntime().addShutdownHook(new Thread(services::close));
        Thread.currentThread().join();
    }
}

package dev.sshuttle.it.faults;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The Toxiproxy HTTP API over {@link FaultProxyServer}: /proxies, /proxies/{p},
 * /proxies/{p}/toxics[/{t}], /reset, /version. Errors are {@code {"error", "status"}} JSON with
 * the matching HTTP status, as toxiproxy-java expects.
 */
final class ControlApi implements HttpHandler {
    private static final Gson GSON = new Gson();
    private final FaultProxyServer server;

    ControlApi(FaultProxyServer server) {
        this.server = server;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String[] path = ex.getRequestURI().getPath().replaceAll("^/+|/+$", "").split("/");
            try {
                route(ex, method, path, readBody(ex));
            } catch (ApiError e) {
                error(ex, e.status, e.getMessage());
            } catch (RuntimeException e) {
                error(ex, 500, "fault proxy: " + e);
            }
        }
    }

    private void route(HttpExchange ex, String method, String[] p, JsonObject body) throws IOException {
        String route = method + " " + (p.length > 0 ? p[0] : "") + "/" + Math.max(0, p.length - 1);
        switch (route) {
            case "GET version/0" -> send(ex, 200, "text/plain", FaultProxyServer.VERSION);
            case "POST reset/0" -> {
                server.reset();
                ex.sendResponseHeaders(204, -1);
            }
            case "GET proxies/0" -> {
                JsonObject all = new JsonObject();
                server.all().stream().map(ProxyInstance::toJson).forEach(j -> all.add(j.get("name").getAsString(), j));
                json(ex, 200, all);
            }
            case "POST proxies/0" -> json(ex, 201, server.create(body).toJson());
            case "GET proxies/1" -> json(ex, 200, server.get(p[1]).toJson());
            case "POST proxies/1" -> {
                ProxyInstance proxy = server.get(p[1]);
                proxy.update(body);
                json(ex, 200, proxy.toJson());
            }
            case "DELETE proxies/1" -> {
                server.delete(p[1]);
                ex.sendResponseHeaders(204, -1);
            }
            default -> toxicRoute(ex, method, p, body);
        }
    }

    private void toxicRoute(HttpExchange ex, String method, String[] p, JsonObject body) throws IOException {
        if (p.length < 3 || p.length > 4 || !p[0].equals("proxies") || !p[2].equals("toxics")) {
            throw new ApiError(404, "no such endpoint: " + method + " " + ex.getRequestURI().getPath());
        }
        ProxyInstance proxy = server.get(p[1]);
        String route = method + " " + p.length;
        switch (route) {
            case "GET 3" -> json(ex, 200, proxy.toxicsJson());
            case "POST 3" -> {
                ToxicSpec t = ToxicSpec.create(body);
                proxy.addToxic(t);
                json(ex, 200, t.toJson());
            }
            case "GET 4" -> json(ex, 200, proxy.toxic(p[3]).toJson());
            case "POST 4" -> json(ex, 200, proxy.updateToxic(p[3], body).toJson());
            case "DELETE 4" -> {
                proxy.removeToxic(p[3]);
                ex.sendResponseHeaders(204, -1);
            }
            default -> throw new ApiError(405, "method " + method + " not allowed on " + ex.getRequestURI().getPath());
        }
    }

    private static JsonObject readBody(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        if (raw.length == 0) return new JsonObject();
        try {
            JsonElement e = JsonParser.parseString(new String(raw, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new ApiError(400, "request body must be a JSON object");
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ApiError(400, "bad JSON: " + e.getMessage());
        }
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        o.addProperty("status", status);
        json(ex, status, o);
    }

    private static void json(HttpExchange ex, int status, JsonElement body) throws IOException {
        send(ex, status, "application/json", GSON.toJson(body));
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }
}

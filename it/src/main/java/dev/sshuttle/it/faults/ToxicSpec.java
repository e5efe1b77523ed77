package dev.sshuttle.it.faults;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One toxic as configured. Immutable: an update makes a new spec with a new version, so links
 * roll its toxicity again (as Toxiproxy does when a toxic changes).
 */
record ToxicSpec(String name, ToxicType type, Direction stream, float toxicity, Map<String, Long> attributes, long version) {
    private static final AtomicLong VERSIONS = new AtomicLong();

    long attr(String key) {
        return attributes.getOrDefault(key, 0L);
    }

    /** A new toxic from a POST /proxies/{p}/toxics body. */
    static ToxicSpec create(JsonObject body) {
        ToxicType type = ToxicType.parse(string(body, "type", null));
        Direction stream = Direction.parse(string(body, "stream", "downstream"));
        String name = string(body, "name", type.json() + "_" + stream.json());
        float toxicity = body.has("toxicity") ? body.get("toxicity").getAsFloat() : 1f;
        Map<String, Long> attrs = type.defaults();
        mergeAttributes(attrs, body);
        return new ToxicSpec(name, type, stream, checkToxicity(toxicity), Map.copyOf(attrs), VERSIONS.incrementAndGet());
    }

    /** This toxic with the fields of a POST /proxies/{p}/toxics/{t} body applied. */
    ToxicSpec update(JsonObject body) {
        Map<String, Long> attrs = new LinkedHashMap<>(attributes);
        mergeAttributes(attrs, body);
        float newToxicity = body.has("toxicity") ? checkToxicity(body.get("toxicity").getAsFloat()) : toxicity;
        Direction newStream = body.has("stream") ? Direction.parse(body.get("stream").getAsString()) : stream;
        return new ToxicSpec(name, type, newStream, newToxicity, Map.copyOf(attrs), VERSIONS.incrementAndGet());
    }

    JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("type", type.json());
        o.addProperty("stream", stream.json());
        o.addProperty("toxicity", toxicity);
        JsonObject a = new JsonObject();
        type.defaults().keySet().forEach(k -> a.addProperty(k, attr(k)));
        o.add("attributes", a);
        return o;
    }

    private static void mergeAttributes(Map<String, Long> attrs, JsonObject body) {
        if (!body.has("attributes") || !body.get("attributes").isJsonObject()) return;
        for (Map.Entry<String, JsonElement> e : body.getAsJsonObject("attributes").entrySet()) {
            if (!attrs.containsKey(e.getKey())) continue; // Toxiproxy ignores unknown attributes too
            try {
                long v = e.getValue().getAsLong();
                if (v < 0) throw new ApiError(400, "attribute " + e.getKey() + " must be >= 0, not " + v);
                attrs.put(e.getKey(), v);
            } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException bad) {
                throw new ApiError(400, "attribute " + e.getKey() + " must be a number");
            }
        }
    }

    private static float checkToxicity(float t) {
        if (!(t >= 0f && t <= 1f)) throw new ApiError(400, "toxicity must be within 0..1, not " + t);
        return t;
    }

    private static String string(JsonObject body, String key, String fallback) {
        if (body.has(key) && !body.get(key).isJsonNull()) return body.get(key).getAsString();
        if (fallback == null) throw new ApiError(400, "missing field '" + key + "'");
        return fallback;
    }
}

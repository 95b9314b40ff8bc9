package dev.grm4j.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Strict reading of request fields: every wrong type or unknown field is a 400 that names it. */
final class JsonFields {

    private JsonFields() {
    }

    static void onlyKnown(JsonNode body, Set<String> known) {
        if (!body.isObject()) {
            throw new BadRequest("body must be a JSON object");
        }
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw new BadRequest("unknown field '" + name + "'; known fields are " + new java.util.TreeSet<>(known));
            }
        });
    }

    /** A list of strings; null entries allowed only when {@code nullable}; an absent field is null. */
    static List<String> strings(JsonNode body, String field, boolean nullable) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new BadRequest(field + " must be an array of strings, was " + node.getNodeType().name().toLowerCase());
        }
        List<String> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (item.isNull() && nullable) {
                values.add(null);
            } else if (!item.isTextual()) {
                throw new BadRequest(field + "[" + i + "] must be a string, was " + item.getNodeType().name().toLowerCase());
            } else {
                values.add(item.asText());
            }
        }
        return values;
    }

    static String string(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new BadRequest(field + " must be a string, was " + node.getNodeType().name().toLowerCase());
        }
        return node.asText();
    }
}

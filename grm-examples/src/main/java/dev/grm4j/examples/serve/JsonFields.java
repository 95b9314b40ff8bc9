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

    /**
     * Labels as OpenRLHF sends them: dataset values as they are, so strings, or numbers read as their
     * decimal text as written (2 is "2", 1.50 is "1.50", 1e3 is "1000"); null entries are absent labels.
     */
    static List<String> labels(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new BadRequest(field + " must be an array of strings or numbers, was "
                    + node.getNodeType().name().toLowerCase());
        }
        List<String> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            values.add(labelText(node.get(i), field + "[" + i + "]"));
        }
        return values;
    }

    /** One label, a string or a number (as text); null when absent or null. */
    static String label(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null ? null : labelText(node, field);
    }

    private static String labelText(JsonNode item, String where) {
        if (item.isNull()) {
            return null;
        }
        if (item.isTextual()) {
            return item.asText();
        }
        if (item.isNumber()) {
            return decimalText(item, where);
        }
        throw new BadRequest(where + " must be a string or a number, was " + item.getNodeType().name().toLowerCase());
    }

    /** The number in plain decimal notation; refused when that would be absurdly long (1e999999999). */
    private static String decimalText(JsonNode number, String where) {
        if (number.isIntegralNumber()) {
            return number.bigIntegerValue().toString();
        }
        java.math.BigDecimal value = number.decimalValue();
        if (Math.abs((long) value.scale()) > 1000) {
            throw new BadRequest(where + " is a number too long to write out in decimals: " + value);
        }
        return value.toPlainString();
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

package dev.grm4j.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Runs {@code grm} in-process, as a shell would, with standard output and error captured. */
public record CliRun(int exitCode, String out, String err) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static CliRun grm(String... args) {
        return grm(Map.of(), args);
    }

    public static CliRun grm(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = GrmCli.commandLine(new GrmCli(environment::get));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Standard output, one parsed JSON object a line. */
    public List<JsonNode> lines() {
        if (out.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(out.split("\n", -1))
                .limit(out.endsWith("\n") ? out.split("\n", -1).length - 1 : Long.MAX_VALUE)
                .map(CliRun::parse)
                .toList();
    }

    public static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not a JSON line: " + line, e);
        }
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
}

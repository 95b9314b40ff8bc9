package dev.grm4j.examples.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.grm4j.examples.cli.CliRun.grm;
import static org.assertj.core.api.Assertions.assertThat;

/** Help text wraps between words: never inside a URL or an option name that a reader would copy. */
class HelpTextTest {

    /** What a reader copies out of help text: URLs and option names. */
    private static final Pattern COPYABLE = Pattern.compile("https?://[^\\s;,)'\"]+|(?<![\\w-])--[a-z][a-z0-9-]*[a-z0-9]");

    @ParameterizedTest
    @ValueSource(strings = {"", "score", "eval", "bench", "serve", "sim-server", "rft", "train-metarm", "models"})
    void urls_and_option_names_stay_whole_on_one_line(String name) {
        String help = (name.isEmpty() ? grm("--help") : grm(name, "--help")).out();
        CommandLine.Model.CommandSpec spec = GrmCli.commandLine(new GrmCli()).getCommandSpec();
        if (!name.isEmpty()) {
            spec = spec.subcommands().get(name).getCommandSpec();
        }
        List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
        spec.options().forEach(option -> texts.addAll(List.of(option.description())));
        Set<String> copyable = new LinkedHashSet<>();
        for (String text : texts) {
            Matcher matcher = COPYABLE.matcher(text.replace("%n", " "));
            while (matcher.find()) {
                copyable.add(matcher.group().replaceAll("[.:]+$", ""));
            }
        }
        // The synopsis too: --in=FILE.jsonl is one thing to type.
        spec.options().stream().filter(option -> !option.hidden() && option.arity().max() > 0)
                .forEach(option -> copyable.add(option.longestName() + "=" + option.paramLabel()));
        assertThat(copyable).allSatisfy(token -> assertThat(help).as("%s help shows %s whole", name, token).contains(token));
    }
}

package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.enclaveos.signer.cli.Cli;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import picocli.CommandLine;

/** Issue 13, item 6: one help layout for every command, at the terminal's width, examples never wrapped. */
class HelpLayoutTest {

    static String help(String command, int width) {
        CommandLine cl = Cli.commandLine(new EnclaveosSigner(), command, "--help");
        Cli.layout(cl, width);
        StringWriter text = new StringWriter();
        cl.getSubcommands().get(command).usage(new PrintWriter(text));
        return text.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "prepare", "sign-offline", "attach", "measure", "inspect", "verify", "keygen"})
    void examplesAreNeverWrappedAndTextFollowsTheWidth(String command) {
        CommandLine cl = Cli.commandLine(new EnclaveosSigner(), command, "--help");
        String[] footer = cl.getSubcommands().get(command).getCommandSpec().usageMessage().footer();
        for (int width : new int[] {60, 100, 160}) {
            String text = help(command, width);
            List<String> lines = text.lines().toList();
            for (String example : footer) {
                assertTrue(lines.contains(example), "example line wrapped or missing at width " + width + ": " + example
                        + "\n" + text);
            }
            // Everything but the examples fits the width.
            for (String line : lines) {
                assertTrue(line.length() <= width || List.of(footer).contains(line) || line.matches("\\s*-.*=\\S+")
                        || line.matches("\\s*\\S+"), "longer than " + width + ": " + line);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "sign-offline", "attach", "measure", "inspect", "verify", "keygen"})
    void optionsAreListedInOneOrderEverywhere(String command) {
        // Each block of options (the main list, each group under its heading) is alphabetical by the option's
        // shortest name, as picocli sorts: -V (--version) among the v's.
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : help(command, 160).lines().toList()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^  (?:-(\\w), |    )--([\\w-]+)").matcher(line);
            if (m.find()) {
                block.add((m.group(1) != null ? m.group(1) : m.group(2)).toLowerCase(Locale.ROOT));
            } else if (!line.startsWith("      ") && !block.isEmpty()) {
                blocks.add(block);
                block = new ArrayList<>();
            }
        }
        if (!block.isEmpty()) {
            blocks.add(block);
        }
        assertTrue(!blocks.isEmpty());
        for (List<String> b : blocks) {
            List<String> sorted = new ArrayList<>(b);
            sorted.sort(null);
            assertEquals(sorted, b, command + ": options out of order");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"prepare", "measure", "verify"})
    void memoryModelHelpNamesAllAndTheDefault(String command) {
        String text = help(command, 200).replaceAll("\\s+", " ");
        int at = text.lastIndexOf("--memory-model=MODEL");
        assertTrue(at >= 0, text);
        String description = text.substring(at, Math.min(text.length(), at + 400));
        assertTrue(description.contains("all") && description.contains("default"), command + ": " + description);
    }
}

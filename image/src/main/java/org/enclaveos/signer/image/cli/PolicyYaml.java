package org.enclaveos.signer.image.cli;

import java.io.IOException;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** Policy files in YAML, for the full tool only (the air-gapped jar reads JSON policies and carries no YAML parser). */
public final class PolicyYaml {
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private PolicyYaml() {
    }

    static JsonNode read(byte[] yaml) throws IOException {
        return YAML.readTree(yaml);
    }

    /** The YAML reader for {@link org.enclaveos.signer.policy.PolicyFiles#load}. */
    public static org.enclaveos.signer.policy.PolicyFiles.YamlReader reader() {
        return PolicyYaml::read;
    }
}

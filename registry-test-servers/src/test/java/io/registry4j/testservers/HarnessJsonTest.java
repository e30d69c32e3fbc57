package io.registry4j.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HarnessJsonTest {

    @Test
    void parsesNumbersAsJavaNumbersOrAsTheirText() {
        String json = "{\"port\":8500,\"weight\":1.5,\"big\":1e+21}";

        assertThat(HarnessJson.parse(json)).isEqualTo(Map.of("port", 8500L, "weight", 1.5, "big", 1e21));
        assertThat(HarnessJson.parseKeepingNumberText(json))
                .isEqualTo(Map.of("port", "8500", "weight", "1.5", "big", "1e+21"));
    }

    @Test
    void keepsDocumentOrderAndJsonNull() {
        Object v = HarnessJson.parse("{\"b\":[true,false,null],\"a\":\"x\"}");

        assertThat(v).isInstanceOf(LinkedHashMap.class);
        assertThat(List.copyOf(((Map<?, ?>) v).keySet())).isEqualTo(List.of("b", "a"));
        assertThat(((Map<?, ?>) v).get("b")).isEqualTo(List.of(true, false, HarnessJson.NULL));
        assertThat(HarnessJson.stringOrNull(HarnessJson.NULL)).isNull();
        assertThat(HarnessJson.stringOrNull(null)).isNull();
        assertThat(HarnessJson.stringOrNull("x")).isEqualTo("x");
        assertThatThrownBy(() -> HarnessJson.stringOrNull(8500L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected a JSON string, got 8500");
    }

    @Test
    void rejectsBadInputNamingWhatAndWhere() {
        assertThatThrownBy(() -> HarnessJson.parse("{\"a\":1} x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid character after top-level value at offset 8");
        assertThatThrownBy(() -> HarnessJson.parseKeepingNumberText("{\"a\":1-}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid character in numeric literal '1-' at offset 7");
        assertThatThrownBy(() -> HarnessJson.parse("{1:2}"))
                .hasMessage("looking for beginning of object key string at offset 1");
        assertThatThrownBy(() -> HarnessJson.parse("\"a\u0001\""))
                .hasMessage("invalid character in string literal at offset 3");
        assertThatThrownBy(() -> HarnessJson.parse("[".repeat(102) + "]".repeat(102)))
                .hasMessage("exceeded max depth at offset 101");
        assertThatThrownBy(() -> HarnessJson.parse("nul")).hasMessage("invalid literal at offset 0");
    }

    @Test
    void writesWhatItReadsBackEscapedAsGoDoes() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("s", "q\"\\\n\t<a>&\u0001é");
        value.put("n", List.of(1L, 2.5, true, HarnessJson.NULL));

        String json = HarnessJson.write(value);

        assertThat(json).isEqualTo("{\"s\":\"q\\\"\\\\\\n\\t\\u003ca\\u003e\\u0026\\u0001é\",\"n\":[1,2.5,true,null]}");
        assertThat(HarnessJson.parse(json)).isEqualTo(value);
    }
}

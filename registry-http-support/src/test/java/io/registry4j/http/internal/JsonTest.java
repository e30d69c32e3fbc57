package io.registry4j.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static Object parse(String s) {
        return Json.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesIntegersAsLongsAndFractionsAsDoubles() {
        assertThat(parse("[9000, -1, 1.5, 123456789012]")).isEqualTo(List.of(9000L, -1L, 1.5, 123456789012L));
    }

    @Test
    void keepsObjectOrderAndMarksNull() {
        Object v = parse("{\"b\":true,\"a\":null,\"c\":\"Gr\\u00fc\\u00dfe\"}");
        assertThat(v).isInstanceOf(Map.class);
        assertThat(new java.util.ArrayList<Object>(((Map<?, ?>) v).keySet())).containsExactly("b", "a", "c");
        assertThat(((Map<?, ?>) v).get("a")).isSameAs(Json.NULL);
        assertThat(((Map<?, ?>) v).get("c")).isEqualTo("Grüße");
    }

    @Test
    void writesWhatItReads() {
        String doc = "{\"ID\":\"x\",\"Port\":8080,\"Tags\":[\"version=1\"],\"Meta\":{},\"On\":false,\"N\":null}";
        assertThat(new String(Json.write(parse(doc)), StandardCharsets.UTF_8)).isEqualTo(doc);
    }

    @Test
    void rejectsWhatIsNotOneJsonValue() {
        assertThatThrownBy(() -> parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse("[1] [2]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse("{\"a\":")).isInstanceOf(IllegalArgumentException.class);
    }
}

/**
 * Spring Boot auto-configuration of registry4j: registration of the application, Spring Cloud discovery and load
 * balancing, health, an actuator endpoint and Micrometer meters.
 */
@NullMarked
package io.registry4j.spring;

import org.jspecify.annotations.NullMarked;

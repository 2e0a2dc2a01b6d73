# -*- encoding: utf-8 -*-

Gem::Specification.new do |s|
  s.name = %q{legacy}
  s.version = "0.1"
  s.authors = [%q{Old "Timer"}]
  s.summary = %q{Uses %q{nested} braces and a \} close}
  s.licenses = [%q{GPL-2.0}, %q{Ruby}]

  if s.respond_to? :specification_version then
    s.specification_version = 3

    if Gem::Version.new(Gem::VERSION) >= Gem::Version.new('1.2.0') then
      s.add_runtime_dependency(%q<json>, [">= 1.0"])
      s.add_development_dependency(%q<rspec>, [">= 0"])
    else
      s.add_dependency(%q<json>, [">= 1.0"])
      s.add_dependency(%q<rspec>, [">= 0"])
    end
  else
    s.add_dependency(%q<json>, [">= 1.0"])
    s.add_dependency(%q<rspec>, [">= 0"])
  end
end

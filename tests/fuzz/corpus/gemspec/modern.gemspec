# -*- encoding: utf-8 -*-
# stub: nokogiri 1.15.4 x86_64-linux lib

Gem::Specification.new do |spec|
  spec.name = "nokogiri".freeze
  spec.version = "1.15.4"
  spec.platform = "x86_64-linux".freeze

  spec.required_rubygems_version = Gem::Requirement.new(">= 3.3.22".freeze) if spec.respond_to? :required_rubygems_version=
  spec.authors = ["Mike Dalessio".freeze, "Aaron Patterson".freeze, "Yoko Harada \u00C5\u{1F600}".freeze]
  spec.homepage = "https://nokogiri.org".freeze
  spec.license = "MIT".freeze
  spec.summary = "Nokogiri (\u92F8) makes it easy and painless to work with XML and HTML from Ruby.\nSecond line".freeze

  spec.installed_by_version = "3.4.19" if spec.respond_to? :installed_by_version

  spec.specification_version = 4

  spec.add_runtime_dependency(%q<racc>.freeze, ["~> 1.4"])
  spec.add_dependency(%q<mini_portile2>.freeze, ["~> 2.8.2"])
  spec.add_development_dependency(%q<rake>.freeze, [">= 0"])
end
